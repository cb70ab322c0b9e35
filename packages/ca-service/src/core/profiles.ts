import { isRsa, type KeyAlgorithm } from "./key-algorithms.js";
import { x509 } from "./x509.js";

const { KeyUsageFlags } = x509;

/**
 * The kinds of certificate the service makes; `token-signer` carries the key that signs its API
 * tokens; `root-verification` and `intermediate-verification` prove to DPS that we hold that CA's key.
 * EST (RFC 7030) adds `est-identity` (what an IoT Edge device authenticates to EST with), `edge-ca`
 * (IoT Edge's CA for its modules) and `est-server` (the EST listener's own TLS certificate).
 */
export type Profile =
  | "root"
  | "intermediate"
  | "token-signer"
  | "device"
  | "est-identity"
  | "edge-ca"
  | "est-server"
  | "root-verification"
  | "intermediate-verification";

/** A CA that signs certificates and a CRL of its own. */
export type SigningCa = "issuing-ca" | "root";

/** The profiles of the certificates each CA signs, and so lists on its CRL when they are revoked. */
export const SIGNED_BY: Readonly<Record<SigningCa, readonly Profile[]>> = {
  "issuing-ca": ["device", "est-identity", "edge-ca", "est-server", "intermediate-verification"],
  root: ["intermediate", "token-signer", "root-verification"],
};

/** Which CA signed certificates of `profile` (undefined for the self-signed root). */
export function signingCaOf(profile: Profile): SigningCa | undefined {
  return (Object.keys(SIGNED_BY) as SigningCa[]).find((ca) => SIGNED_BY[ca].includes(profile));
}

/**
 * The purpose a verification certificate names instead of a TLS one: an OID under the UUID arc
 * (ITU-T X.667, 2.25), which needs no registration. A certificate without any extendedKeyUsage is
 * good for every purpose (RFC 5280 §4.2.1.12), so TLS clients and servers would take it; with only
 * this one, OpenSSL, Go, .NET and browsers refuse it for client and server authentication.
 */
export const PROOF_OF_POSSESSION_PURPOSE = "2.25.159959549803170669981886672383700642142";

/** Root CA: signs only the intermediate and CRLs. */
export async function rootExtensions(publicKeySpki: Uint8Array): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKeySpki),
  ];
}

/**
 * Issuing intermediate. pathlen 1 (not 0) so that it can later issue IoT Edge "Edge CA"
 * certificates, which are themselves CAs with pathlen 0.
 */
export async function intermediateExtensions(
  publicKeySpki: Uint8Array,
  issuerKeyId: string,
): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(true, 1, true),
    new x509.KeyUsagesExtension(
      KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(publicKeySpki),
    new x509.AuthorityKeyIdentifierExtension(issuerKeyId),
  ];
}

export interface DeviceExtensionsRequest {
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  issuerKeyId: string;
  /** Where relying parties fetch the CRL, when the service has a public URL. */
  crlDistributionPoint?: string | undefined;
}

/**
 * Device identity: an end entity for TLS client authentication to IoT Hub and DPS. RSA keys also
 * get keyEncipherment, which RSA key exchange in TLS 1.2 needs.
 */
export async function deviceExtensions(request: DeviceExtensionsRequest): Promise<x509.Extension[]> {
  const { leading, trailing } = deviceExtensionsAroundKeyId(request);
  return [...leading, await x509.SubjectKeyIdentifierExtension.create(request.publicKeySpki), ...trailing];
}

/**
 * A device certificate's extensions before and after its subject key identifier, the one that
 * depends on the device's key: the same for every device of a key type, so the hot path encodes
 * them once.
 */
export function deviceExtensionsAroundKeyId(request: Omit<DeviceExtensionsRequest, "publicKeySpki">): {
  leading: x509.Extension[];
  trailing: x509.Extension[];
} {
  const usages = isRsa(request.keyAlgorithm)
    ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment
    : KeyUsageFlags.digitalSignature;
  const leading = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
  ];
  return { leading, trailing: issuedByIntermediate(request.issuerKeyId, request.crlDistributionPoint) };
}

/** The subject key identifier of a CA certificate, which its children carry as their AKI. */
export function subjectKeyIdOf(certificate: x509.X509Certificate): string {
  const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  if (!ski) throw new Error(`CA certificate ${certificate.subject} has no subject key identifier`);
  return ski.keyId;
}

/** Subject `CN=<commonName>` and nothing else, as a UTF8String (DPS IDs may contain '_'). */
export function commonNameOnly(commonName: string): x509.Name {
  return new x509.Name([{ "2.5.4.3": [{ utf8String: commonName }] }]);
}

/**
 * The service's own token-signing key, certified by the root so that it can be stored like the CAs
 * and published with its chain (`x5c`): an end entity that only signs (JWS), with no EKU because no
 * EKU names JWT signing.
 */
export async function tokenSignerExtensions(
  publicKeySpki: Uint8Array,
  issuerKeyId: string,
): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKeySpki),
    new x509.AuthorityKeyIdentifierExtension(issuerKeyId),
  ];
}

/**
 * A verification certificate: an end entity whose only use is to show DPS (or IoT Hub) that whoever
 * asked holds the key of the CA certificate that signed it. It authenticates nothing: no TLS purpose
 * (see {@link PROOF_OF_POSSESSION_PURPOSE}), and the CA's own authentication accepts only `device`.
 */
export async function verificationExtensions(
  publicKeySpki: Uint8Array,
  issuerKeyId: string,
): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([PROOF_OF_POSSESSION_PURPOSE], false),
    await x509.SubjectKeyIdentifierExtension.create(publicKeySpki),
    new x509.AuthorityKeyIdentifierExtension(issuerKeyId),
  ];
}

/** What every certificate under our intermediate ends with: its issuer's key ID, and the CRL's URL. */
function issuedByIntermediate(
  issuerKeyId: string,
  crlDistributionPoint: string | undefined,
): x509.Extension[] {
  const trailing: x509.Extension[] = [new x509.AuthorityKeyIdentifierExtension(issuerKeyId)];
  if (crlDistributionPoint !== undefined) {
    trailing.push(new x509.CRLDistributionPointsExtension([crlDistributionPoint]));
  }
  return trailing;
}

/**
 * EST identity: what an IoT Edge device authenticates to our EST endpoints with, and nothing else.
 * clientAuth only, so it opens no IoT Hub or DPS door by itself beyond TLS client authentication.
 */
export async function estIdentityExtensions(request: DeviceExtensionsRequest): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
    await x509.SubjectKeyIdentifierExtension.create(request.publicKeySpki),
    ...issuedByIntermediate(request.issuerKeyId, request.crlDistributionPoint),
  ];
}

/**
 * IoT Edge's Edge CA: signs the server and client certificates of the device's modules, so a CA
 * with pathlen 0 (our intermediate's pathlen 1 leaves room for exactly this one level), and
 * digitalSignature + keyCertSign as Microsoft's certificate requirements list them. No cRLSign:
 * IoT Edge publishes no CRL.
 */
export async function edgeCaExtensions(request: DeviceExtensionsRequest): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign, true),
    await x509.SubjectKeyIdentifierExtension.create(request.publicKeySpki),
    ...issuedByIntermediate(request.issuerKeyId, request.crlDistributionPoint),
  ];
}

export interface ServerExtensionsRequest extends DeviceExtensionsRequest {
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
}

/** The EST listener's TLS server certificate: serverAuth for the names clients connect to. */
export async function estServerExtensions(request: ServerExtensionsRequest): Promise<x509.Extension[]> {
  const usages = isRsa(request.keyAlgorithm)
    ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment
    : KeyUsageFlags.digitalSignature;
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
    new x509.SubjectAlternativeNameExtension([
      ...request.dnsNames.map((value) => ({ type: "dns" as const, value })),
      ...request.ipAddresses.map((value) => ({ type: "ip" as const, value })),
    ]),
    await x509.SubjectKeyIdentifierExtension.create(request.publicKeySpki),
    ...issuedByIntermediate(request.issuerKeyId, request.crlDistributionPoint),
  ];
}
