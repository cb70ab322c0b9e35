/**
 * Builds what Key Vault builds from a policy: the PKCS#10 request of a pending certificate and, for
 * issuer `Self`, the self-signed certificate. Both are signed with the certificate's own vault key.
 */
import { webcrypto } from "node:crypto";
import type { CertificatePolicy } from "./certificate-policy.js";
import { x509 } from "./x509.js";

const crypto = webcrypto;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The signature algorithm Key Vault uses for a key: ECDSA with the curve's hash, or SHA-256 with RSA. */
function signingAlgorithm(policy: CertificatePolicy): webcrypto.Algorithm | webcrypto.EcdsaParams {
  const { crv } = policy.key_props;
  if (crv === undefined) return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as webcrypto.Algorithm;
  const hash = crv === "P-384" ? "SHA-384" : crv === "P-521" ? "SHA-512" : "SHA-256";
  return { name: "ECDSA", hash, namedCurve: crv } as webcrypto.EcdsaParams;
}

function requestedExtensions(policy: CertificatePolicy): x509.Extension[] {
  const props = policy.x509_props;
  const extensions: x509.Extension[] = [];
  const names: x509.JsonGeneralName[] = [
    ...(props.sans?.dns_names ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(props.sans?.emails ?? []).map((value) => ({ type: "email" as const, value })),
    ...(props.sans?.upns ?? []).map((value) => ({ type: "upn" as const, value })),
    ...(props.sans?.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ...(props.sans?.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  if (props.key_usage && props.key_usage.length > 0) {
    const flags = props.key_usage.reduce((acc, usage) => acc | x509.KeyUsageFlags[usage], 0);
    extensions.push(new x509.KeyUsagesExtension(flags, true));
  }
  if (props.ekus && props.ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(props.ekus));
  return extensions;
}

/** A DER PKCS#10 request for the policy's subject and extensions, signed with `keys`. */
export async function buildCsr(policy: CertificatePolicy, keys: CryptoKeyPair): Promise<Uint8Array> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: policy.x509_props.subject,
      keys,
      signingAlgorithm: signingAlgorithm(policy),
      extensions: requestedExtensions(policy),
    },
    crypto,
  );
  return new Uint8Array(csr.rawData);
}

/**
 * A DER self-signed certificate valid for `validity_months` from `now`. When the policy asks for
 * `keyCertSign` the certificate is marked as a CA (RFC 5280 requires cA for that key usage).
 */
export async function buildSelfSigned(
  policy: CertificatePolicy,
  keys: CryptoKeyPair,
  now: number,
): Promise<Uint8Array> {
  const notBefore = new Date(Math.floor(now / 1000) * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCMonth(notAfter.getUTCMonth() + policy.x509_props.validity_months);
  const extensions = requestedExtensions(policy);
  if (policy.x509_props.key_usage?.includes("keyCertSign")) {
    extensions.unshift(new x509.BasicConstraintsExtension(true, undefined, true));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto));
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: policy.x509_props.subject,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: signingAlgorithm(policy),
      extensions,
    },
    crypto,
  );
  return new Uint8Array(certificate.rawData);
}
