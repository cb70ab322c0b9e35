/**
 * PKCS#12 (PFX) writer, for the service's credentials endpoint and the SDK's locally made keys alike. Node's crypto cannot write PKCS#12 and node-forge
 * cannot put EC keys into one, so the PFX is assembled from standard structures. The output matches
 * what `openssl pkcs12 -export` in OpenSSL 3 writes by default: certificates in a PBES2-encrypted
 * safe, the key in a PBES2 pkcs8ShroudedKeyBag (PBKDF2-HMAC-SHA256, AES-256-CBC, 2048 iterations) and
 * an HMAC-SHA256 MacData; only the salts are longer (16 bytes where OpenSSL uses 8). Consumers without
 * PBES2 support (Windows before 10 1709 / Server 2019, old Java) cannot read it; the legacy 3DES/RC2
 * formats are deliberately not offered.
 */
import { createHash, createHmac, createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, Attribute, DirectoryString } from "@peculiar/asn1-x509";
import { algorithm, der, integer, octets, oid, sequence, sequenceOf } from "./der-sequence.js";
import { pbes2Encrypt } from "./pbes2.js";

export interface BuildPfxRequest {
  /** Unencrypted PKCS#8 DER of the private key (EC P-256/P-384 or RSA). */
  privateKeyPkcs8: Uint8Array;
  /** DER certificates: the leaf first, then its issuers. */
  certificates: readonly Uint8Array[];
  password: string;
  /** Friendly name for the key and leaf bags (e.g. the device id). */
  friendlyName?: string;
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  sha256: "2.16.840.1.101.3.4.2.1",
} as const;

/** OpenSSL 3's default (PKCS12_DEFAULT_ITER); also what Node's PKCS#8 export uses for the key bag. */
const ITERATIONS = 2048;
/** Readers accept any salt length; 16 bytes, like the PBES2 salts. */
const MAC_SALT_BYTES = 16;
/** RFC 7292 B.3: ID 3 selects MAC key material. */
const MAC_KEY_ID = 3;

const encodePfx = sequence<{ version: number; authSafe: ArrayBuffer; macData: ArrayBuffer }>({
  version: integer,
  authSafe: der,
  macData: der,
});
const encodeMacData = sequence<{ mac: ArrayBuffer; macSalt: ArrayBuffer; iterations: number }>({
  mac: der,
  macSalt: octets,
  iterations: integer,
});
const encodeDigestInfo = sequence<{ digestAlgorithm: AlgorithmIdentifier; digest: ArrayBuffer }>({
  digestAlgorithm: algorithm,
  digest: octets,
});
const encodeContentInfo = sequence<{ contentType: string; content: ArrayBuffer }>({
  contentType: oid,
  content: { ...der, context: 0 },
});
const encodeEncryptedData = sequence<{ version: number; encryptedContentInfo: ArrayBuffer }>({
  version: integer,
  encryptedContentInfo: der,
});
const encodeEncryptedContentInfo = sequence<{
  contentType: string;
  contentEncryptionAlgorithm: AlgorithmIdentifier;
  encryptedContent: ArrayBuffer;
}>({
  contentType: oid,
  contentEncryptionAlgorithm: algorithm,
  encryptedContent: { ...octets, context: 0, implicit: true },
});
const encodeSafeBag = sequence<{
  bagId: string;
  bagValue: ArrayBuffer;
  bagAttributes: ArrayBuffer[] | undefined;
}>({
  bagId: oid,
  bagValue: { ...der, context: 0 },
  bagAttributes: { ...der, repeated: "set", optional: true },
});
const encodeCertBag = sequence<{ certId: string; certValue: ArrayBuffer }>({
  certId: oid,
  certValue: { ...octets, context: 0 },
});

/** Copies into a fresh ArrayBuffer: Buffers are often views into a larger shared pool. */
const arrayBuffer = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;
const encodeOctetString = (bytes: Uint8Array): ArrayBuffer => AsnConvert.serialize(new OctetString(bytes));

/**
 * PKCS#12 key derivation, RFC 7292 Appendix B.2, with SHA-256 (u = 32, v = 64). `password` is the
 * BMPString form: UTF-16BE including the two-byte null terminator. Exported so that it can be checked
 * against an independent implementation on its own, beyond the single MAC-key case buildPfx needs.
 */
export function derivePkcs12Key(
  password: Uint8Array,
  salt: Uint8Array,
  id: number,
  iterations: number,
  length: number,
): Buffer {
  const u = 32;
  const v = 64;
  // S and P: salt and password each repeated to fill whole v-byte blocks (empty inputs stay empty).
  const fill = (source: Uint8Array, size: number): Buffer => {
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i++) out[i] = source[i % source.length] ?? 0;
    return out;
  };
  const blocks = (bytes: Uint8Array): number => v * Math.ceil(bytes.length / v);
  const input = Buffer.concat([fill(salt, blocks(salt)), fill(password, blocks(password))]);
  const diversifier = Buffer.alloc(v, id);
  const output: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a = createHash("sha256").update(diversifier).update(input).digest();
    for (let r = 1; r < iterations; r++) a = createHash("sha256").update(a).digest();
    output.push(a);
    // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, as big-endian integers.
    const b = fill(a, v);
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (input[j + k] ?? 0) + (b[k] ?? 0) + carry;
        input[j + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return Buffer.concat(output).subarray(0, length);
}

/** UTF-16BE plus terminator; astral characters become surrogate pairs, as OpenSSL's utf82uni does. */
function bmpPassword(password: string): Buffer {
  const bytes = Buffer.from(`${password}\0`, "utf16le");
  return bytes.swap16();
}

function bagAttributes(localKeyId: Uint8Array, friendlyName: string | undefined): ArrayBuffer[] {
  const attributes = [new Attribute({ type: OID.localKeyId, values: [encodeOctetString(localKeyId)] })];
  if (friendlyName) {
    const name = AsnConvert.serialize(new DirectoryString({ bmpString: friendlyName }));
    attributes.push(new Attribute({ type: OID.friendlyName, values: [name] }));
  }
  // DER orders SET OF elements by their encodings; OpenSSL does the same.
  return attributes
    .map((attribute) => AsnConvert.serialize(attribute))
    .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
}

/** encryptedData ContentInfo: the certificates, PBES2-encrypted as OpenSSL 3 does by default. */
function encryptedContentInfo(content: ArrayBuffer, password: string): ArrayBuffer {
  const { algorithm: pbes2, ciphertext } = pbes2Encrypt(new Uint8Array(content), password, ITERATIONS);
  const encryptedData = encodeEncryptedData({
    version: 0,
    encryptedContentInfo: encodeEncryptedContentInfo({
      contentType: OID.data,
      contentEncryptionAlgorithm: pbes2,
      encryptedContent: arrayBuffer(ciphertext),
    }),
  });
  return encodeContentInfo({ contentType: OID.encryptedData, content: encryptedData });
}

const dataContentInfo = (content: ArrayBuffer): ArrayBuffer =>
  encodeContentInfo({ contentType: OID.data, content: encodeOctetString(new Uint8Array(content)) });

/** A password-protected PFX holding the key (with the leaf's localKeyId) and the certificate chain. */
export function buildPfx(request: BuildPfxRequest): Uint8Array {
  const { password, certificates, friendlyName } = request;
  if (typeof password !== "string" || password.length === 0) {
    throw new Error("PKCS#12 password must be a non-empty string");
  }
  // A lone surrogate has no UTF-8 form: PBKDF2 and the MAC would see different passwords.
  if (/\p{Surrogate}/u.test(password)) throw new Error("PKCS#12 password is not well-formed Unicode");
  const [leaf] = certificates;
  if (!leaf) throw new Error("PKCS#12 needs at least the leaf certificate");
  const key = createPrivateKey({ key: Buffer.from(request.privateKeyPkcs8), format: "der", type: "pkcs8" });
  // OpenSSL refuses to export a mismatched pair; a PFX whose key cannot use its certificate is useless.
  if (!new X509Certificate(leaf).checkPrivateKey(key)) {
    throw new Error("PKCS#12 leaf certificate does not match the private key");
  }

  // Tools pair the key with its certificate through localKeyId; OpenSSL uses the certificate's SHA-1.
  const leafAttributes = bagAttributes(createHash("sha1").update(leaf).digest(), friendlyName);
  const certBags = certificates.map((certificate, index) =>
    encodeSafeBag({
      bagId: OID.certBag,
      bagValue: encodeCertBag({ certId: OID.x509Certificate, certValue: arrayBuffer(certificate) }),
      bagAttributes: index === 0 ? leafAttributes : undefined,
    }),
  );
  const shroudedKey = key.export({
    format: "der",
    type: "pkcs8",
    cipher: "aes-256-cbc",
    passphrase: password,
  });
  const keyBag = encodeSafeBag({
    bagId: OID.pkcs8ShroudedKeyBag,
    bagValue: arrayBuffer(shroudedKey),
    bagAttributes: leafAttributes,
  });
  // Same layout as OpenSSL: encrypted certificate safe first, then the (already shrouded) key in plain data.
  const authSafe = sequenceOf([
    encryptedContentInfo(sequenceOf(certBags), password),
    dataContentInfo(sequenceOf([keyBag])),
  ]);

  const macSalt = randomBytes(MAC_SALT_BYTES);
  const macKey = derivePkcs12Key(bmpPassword(password), macSalt, MAC_KEY_ID, ITERATIONS, 32);
  const mac = createHmac("sha256", macKey).update(Buffer.from(authSafe)).digest();
  const pfx = encodePfx({
    version: 3,
    authSafe: dataContentInfo(authSafe),
    macData: encodeMacData({
      mac: encodeDigestInfo({
        digestAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256, parameters: null }),
        digest: arrayBuffer(mac),
      }),
      macSalt: arrayBuffer(macSalt),
      iterations: ITERATIONS,
    }),
  });
  return new Uint8Array(pfx);
}
