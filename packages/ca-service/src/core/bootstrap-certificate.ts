import { AsnConvert, BitString } from "@peculiar/asn1-schema";
import { CaError } from "./errors.js";
import { classifyPublicKey } from "./key-algorithms.js";
import { isValidAt } from "./validity.js";
import { x509 } from "./x509.js";

const ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
const NETSCAPE_CERT_TYPE = "2.16.840.1.113730.1.1";
/** Netscape cert type's first bit (the most significant of its first byte): an SSL client. */
const NETSCAPE_SSL_CLIENT = 0x80;
const COMMON_NAME = "2.5.4.3";
/** Hashes a certificate's signature may use: SHA-1 and MD5 signatures can be forged. */
const SIGNATURE_HASHES = new Set(["SHA-256", "SHA-384", "SHA-512"]);

/**
 * The extensions whose meaning these checks know. RFC 5280 §4.2: a certificate with a critical
 * extension the verifier does not recognise must be refused.
 */
const KNOWN_EXTENSIONS = new Set([
  "2.5.29.14", // subjectKeyIdentifier
  "2.5.29.15", // keyUsage
  "2.5.29.17", // subjectAltName
  "2.5.29.19", // basicConstraints
  "2.5.29.31", // cRLDistributionPoints
  "2.5.29.32", // certificatePolicies (no policy is required)
  "2.5.29.35", // authorityKeyIdentifier
  "2.5.29.37", // extKeyUsage
  "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
  NETSCAPE_CERT_TYPE,
]);

/**
 * The device a manufacturer's certificate stands for (its one CN), signed by the manufacturer CA
 * `manufacturer`, at `now`; refused (403, saying why) otherwise. What a TLS stack checks of a client
 * certificate, which the EST listener cannot leave to its TLS (it asks for a certificate without
 * requiring a trusted one): both certificates valid now; the device's not a CA (a manufacturer's
 * sub-CA signed by the same CA is no device), signed with SHA-2, its key on our allow-list, every
 * critical extension one we know; its key usage, extended key usage and Netscape cert type, when
 * present, allowing TLS client authentication; and one CN, which names the device.
 */
export function bootstrapDeviceId(
  certificate: x509.X509Certificate,
  manufacturer: x509.X509Certificate,
  now: Date,
): string {
  const refusal = refusalOf(certificate, manufacturer, now);
  if (refusal !== undefined) throw new CaError("forbidden", refusal);
  const names = certificate.subjectName.getField(COMMON_NAME);
  if (names.length !== 1 || names[0] === undefined) {
    throw new CaError(
      "forbidden",
      names.length === 0
        ? "the bootstrap certificate has no CN"
        : "the bootstrap certificate has more than one CN: which device it names is unclear",
    );
  }
  return names[0];
}

function refusalOf(
  certificate: x509.X509Certificate,
  manufacturer: x509.X509Certificate,
  now: Date,
): string | undefined {
  if (!isValidAt(manufacturer, now)) {
    return `the bootstrap CA that signed it (${manufacturer.subject}) is not valid now`;
  }
  if (!isValidAt(certificate, now)) return "the bootstrap certificate is not valid now";
  if (certificate.getExtension(x509.BasicConstraintsExtension)?.ca) {
    return "the bootstrap certificate is a CA certificate, not a device's";
  }
  const hash = (certificate.signatureAlgorithm as { hash?: { name?: string } }).hash?.name ?? "unknown";
  if (!SIGNATURE_HASHES.has(hash)) {
    return `the bootstrap certificate is signed with ${hash}: only SHA-256, SHA-384 and SHA-512 are accepted`;
  }
  const keyRefusal = keyRefusalOf(certificate);
  if (keyRefusal !== undefined) return keyRefusal;
  const unknown = certificate.extensions.find(
    (extension) => extension.critical && !KNOWN_EXTENSIONS.has(extension.type),
  );
  if (unknown !== undefined) {
    return `the bootstrap certificate has a critical extension this CA does not know (${unknown.type})`;
  }
  return usageRefusalOf(certificate);
}

function keyRefusalOf(certificate: x509.X509Certificate): string | undefined {
  try {
    classifyPublicKey(new Uint8Array(certificate.publicKey.rawData));
    return undefined;
  } catch (error) {
    if (!(error instanceof CaError)) throw error;
    return `the bootstrap certificate's key is not accepted: ${error.message}`;
  }
}

function usageRefusalOf(certificate: x509.X509Certificate): string | undefined {
  const keyUsage = certificate.getExtension(x509.KeyUsagesExtension);
  if (keyUsage !== null && !(keyUsage.usages & x509.KeyUsageFlags.digitalSignature)) {
    return "the bootstrap certificate's key usage does not allow digitalSignature (TLS client authentication)";
  }
  const extendedKeyUsage = certificate.getExtension(x509.ExtendedKeyUsageExtension);
  const usages: readonly string[] | undefined = extendedKeyUsage?.usages.map(String);
  if (
    usages !== undefined &&
    !usages.includes(x509.ExtendedKeyUsage.clientAuth) &&
    !usages.includes(ANY_EXTENDED_KEY_USAGE)
  ) {
    return "the bootstrap certificate's extended key usage does not include clientAuth";
  }
  const certType = certificate.getExtension(NETSCAPE_CERT_TYPE);
  if (certType !== null && !netscapeSslClient(certType.value)) {
    return "the bootstrap certificate's Netscape cert type does not include an SSL client";
  }
  return undefined;
}

function netscapeSslClient(value: ArrayBuffer): boolean {
  try {
    const bits = new Uint8Array(AsnConvert.parse(value, BitString).value);
    return ((bits[0] ?? 0) & NETSCAPE_SSL_CLIENT) !== 0;
  } catch {
    return false;
  }
}

/**
 * The manufacturer CAs of a PEM bundle (EDGE_PKI_EST_BOOTSTRAP_CA_FILE). Throws, naming the block,
 * on anything but well-formed CERTIFICATE blocks of CA certificates that may sign certificates: a
 * block it skipped (another label, a missing END line) or a device's own certificate put there by
 * mistake would otherwise quietly let that manufacturer's devices in no more.
 */
export function parseBootstrapCaBundle(pem: string): x509.X509Certificate[] {
  const begins = pem.match(/-----BEGIN [^-\r\n]*-----/g) ?? [];
  if (begins.length === 0) throw new Error("holds no PEM certificate");
  const blocks = [...pem.matchAll(/-----BEGIN ([^-\r\n]*)-----([\s\S]*?)-----END ([^-\r\n]*)-----/g)];
  return begins.map((begin, index) => {
    const number = index + 1;
    const block = blocks[index];
    if (
      block === undefined ||
      !block[0].startsWith(begin) ||
      block[1] !== block[3] ||
      block[2]?.includes("-----BEGIN")
    ) {
      throw new Error(`block ${number} (${begin}) has no matching END line`);
    }
    if (block[1] !== "CERTIFICATE") throw new Error(`block ${number} is a ${block[1]}, not a CERTIFICATE`);
    let certificate: x509.X509Certificate;
    try {
      certificate = new x509.X509Certificate(block[0]);
    } catch {
      throw new Error(`certificate ${number} does not parse`);
    }
    const problem = caProblemOf(certificate);
    if (problem !== undefined) throw new Error(`certificate ${number} (${certificate.subject}) ${problem}`);
    return certificate;
  });
}

function caProblemOf(certificate: x509.X509Certificate): string | undefined {
  if (!certificate.getExtension(x509.BasicConstraintsExtension)?.ca) {
    return "is not a CA certificate (basicConstraints CA:TRUE)";
  }
  const keyUsage = certificate.getExtension(x509.KeyUsagesExtension);
  if (keyUsage !== null && !(keyUsage.usages & x509.KeyUsageFlags.keyCertSign)) {
    return "may not sign certificates (its keyUsage lacks keyCertSign)";
  }
  return undefined;
}
