import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import { SIGNATURE_ALGORITHM_IDENTIFIERS } from "./algorithm-identifiers.js";
import { type CertificateFacts, factsOf } from "./certificate-facts.js";
import { TAG, tlv, unsignedInteger, utf8String, x509Time } from "./der-writer.js";
import { type DeviceCertificateFields, type IssuingCa, signDeviceCertificate } from "./device-certificate.js";
import { assertValidDeviceId } from "./device-id.js";
import { isRsa, type SignatureAlgorithm } from "./key-algorithms.js";
import { knownKeyDer } from "./known-key-der.js";
import { deviceExtensionsAroundKeyId, subjectKeyIdOf } from "./profiles.js";
import { signatureRefused } from "./signer-crypto.js";
import { truncateToSecond } from "./validity.js";

/**
 * The hot path of issuance. Everything a device certificate shares with every other of its CA is
 * encoded once, when the service starts: the issuer name, the signature algorithm, and the
 * extensions before and after the subject key identifier (by @peculiar/x509 itself, so they are the
 * general path's bytes). Per certificate only the serial number, the validity, the subject, the key
 * and its identifier are written, and the CA key signs the result.
 *
 * The output equals, byte for byte, what `signDeviceCertificate` (the general path) builds from the
 * same fields: test/device-certificate-writer.test.ts proves it on random devices, keys, validities
 * and serial numbers. A key whose DER the general path would re-encode (any other algorithm
 * identifier, or a BIT STRING with unused bits) goes the general way instead.
 */
export class DeviceCertificateWriter {
  private constructor(
    private readonly ca: IssuingCa,
    private readonly crlDistributionPoint: string | undefined,
    private readonly issuerAndAlgorithm: { algorithm: Uint8Array; issuer: Uint8Array },
    private readonly extensions: { ec: Extensions; rsa: Extensions },
    private readonly verification: { key: KeyObject; hash: string },
  ) {}

  /**
   * The writer for `ca`'s device certificates: prepared on first use and kept for as long as that
   * CA object lives (the service's, all its life), so that what they share is encoded once.
   */
  static for(ca: IssuingCa, crlDistributionPoint: string | undefined): DeviceCertificateWriter {
    const writers = PREPARED.get(ca) ?? new Map<string | undefined, DeviceCertificateWriter>();
    PREPARED.set(ca, writers);
    let writer = writers.get(crlDistributionPoint);
    if (writer === undefined) {
      writer = DeviceCertificateWriter.prepare(ca, crlDistributionPoint);
      writers.set(crlDistributionPoint, writer);
    }
    return writer;
  }

  /** Encodes what every device certificate of `ca` shares. */
  static prepare(ca: IssuingCa, crlDistributionPoint: string | undefined): DeviceCertificateWriter {
    const { signatureAlgorithm } = ca.signer;
    const around = (keyAlgorithm: "ECDSA_P256" | "RSA_2048"): Extensions => {
      const { leading, trailing } = deviceExtensionsAroundKeyId({
        keyAlgorithm,
        issuerKeyId: subjectKeyIdOf(ca.certificate),
        crlDistributionPoint,
      });
      return { leading: concat(leading.map(derOf)), trailing: concat(trailing.map(derOf)) };
    };
    return new DeviceCertificateWriter(
      ca,
      crlDistributionPoint,
      {
        algorithm: algorithmIdentifierOf(signatureAlgorithm),
        // The general path writes the issuer as the library encodes the intermediate's subject.
        issuer: new Uint8Array(ca.certificate.subjectName.toArrayBuffer()),
      },
      { ec: around("ECDSA_P256"), rsa: around("RSA_2048") },
      {
        key: createPublicKey({ key: Buffer.from(ca.signer.publicKeySpki), format: "der", type: "spki" }),
        hash: signatureAlgorithm.hash,
      },
    );
  }

  /**
   * Signs a device certificate with the issuing CA's key. A remote signer's signature is verified
   * before the certificate is returned: it is trusted for its key, not for its bytes. An in-process
   * signer's is not (see `CaSigner.signsInProcess`): at thousands of certificates a second, that
   * second verification cost more than the signature itself.
   */
  async sign(fields: DeviceCertificateFields): Promise<CertificateFacts> {
    assertValidDeviceId(fields.deviceId);
    const toBeSigned = this.toBeSigned(fields);
    if (toBeSigned === undefined) {
      return factsOf(
        await signDeviceCertificate({
          ...fields,
          ca: this.ca,
          crlDistributionPoint: this.crlDistributionPoint,
        }),
      );
    }
    const { signer } = this.ca;
    const signature = await signer.sign(toBeSigned.der);
    const { key, hash } = this.verification;
    if (
      !signer.signsInProcess &&
      !verify(hash, toBeSigned.der, { key, dsaEncoding: "ieee-p1363" }, signature)
    ) {
      throw signatureRefused(signer, "certificate");
    }
    const signatureValue = signer.signatureAlgorithm.name === "ECDSA" ? ecdsaDer(signature) : signature;
    return {
      der: tlv(
        TAG.sequence,
        toBeSigned.der,
        this.issuerAndAlgorithm.algorithm,
        tlv(TAG.bitString, Uint8Array.of(0), signatureValue),
      ),
      serialNumber: toBeSigned.serialNumber,
      subject: `CN=${fields.deviceId}`,
      // What the certificate says: X.509 times hold whole seconds.
      notBefore: truncateToSecond(fields.validity.notBefore),
      notAfter: truncateToSecond(fields.validity.notAfter),
    };
  }

  /**
   * The TBSCertificate of a device certificate (RFC 5280 §4.1), or undefined for a key this path
   * does not write verbatim. The subject is `CN=<device ID>` as a UTF8String, as `commonNameOnly`.
   */
  toBeSigned(fields: DeviceCertificateFields): { der: Uint8Array; serialNumber: string } | undefined {
    // The key's bits (what its key identifier hashes, RFC 5280 §4.2.1.2 method 1), when the key is
    // one this path writes verbatim.
    const keyBits = knownKeyDer(fields.publicKeySpki)?.bits;
    if (keyBits === undefined) return undefined;
    const serial = serialNumberOf(fields.serialNumber);
    const { leading, trailing } = isRsa(fields.keyAlgorithm) ? this.extensions.rsa : this.extensions.ec;
    const subjectKeyId = tlv(
      TAG.sequence,
      SUBJECT_KEY_IDENTIFIER,
      tlv(TAG.octetString, tlv(TAG.octetString, createHash("sha1").update(keyBits).digest())),
    );
    const der = tlv(
      TAG.sequence,
      VERSION_3,
      unsignedInteger(serial.octets),
      this.issuerAndAlgorithm.algorithm,
      this.issuerAndAlgorithm.issuer,
      tlv(TAG.sequence, x509Time(fields.validity.notBefore), x509Time(fields.validity.notAfter)),
      tlv(TAG.sequence, tlv(TAG.set, tlv(TAG.sequence, COMMON_NAME, utf8String(fields.deviceId)))),
      fields.publicKeySpki,
      tlv(TAG.context3, tlv(TAG.sequence, leading, subjectKeyId, trailing)),
    );
    return { der, serialNumber: serial.text };
  }
}

const PREPARED = new WeakMap<IssuingCa, Map<string | undefined, DeviceCertificateWriter>>();

interface Extensions {
  leading: Uint8Array;
  trailing: Uint8Array;
}

const VERSION_3 = Uint8Array.of(0xa0, 0x03, 0x02, 0x01, 0x02);
/** OID 2.5.4.3, id-at-commonName. */
const COMMON_NAME = Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03);
/** OID 2.5.29.14, id-ce-subjectKeyIdentifier. */
const SUBJECT_KEY_IDENTIFIER = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x0e);

function algorithmIdentifierOf(algorithm: SignatureAlgorithm): Uint8Array {
  const hex = SIGNATURE_ALGORITHM_IDENTIFIERS[`${algorithm.name}/${algorithm.hash}`];
  if (hex === undefined)
    throw new Error(`no signature algorithm identifier for ${algorithm.name}/${algorithm.hash}`);
  return Buffer.from(hex, "hex");
}

/** ECDSA's r‖s (IEEE P1363, as signers return it) as the DER SEQUENCE X.509 carries. */
function ecdsaDer(signature: Uint8Array): Uint8Array {
  const half = signature.length / 2;
  return tlv(
    TAG.sequence,
    unsignedInteger(signature.subarray(0, half)),
    unsignedInteger(signature.subarray(half)),
  );
}

/**
 * The serial number's octets without leading zeros, and as the certificate's INTEGER reads back
 * (lower-case hex without the sign octet). Zero is refused: the general path would put a random
 * serial number in its place.
 */
function serialNumberOf(hex: string): { octets: Uint8Array; text: string } {
  const octets = Buffer.from(hex, "hex");
  const first = octets.findIndex((octet) => octet !== 0);
  if (first < 0) throw new Error("a certificate serial number is a positive integer");
  const magnitude = octets.subarray(first);
  return { octets: magnitude, text: magnitude.toString("hex") };
}

function derOf(extension: { rawData: ArrayBuffer }): Uint8Array {
  return new Uint8Array(extension.rawData);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
