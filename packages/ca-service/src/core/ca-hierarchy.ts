import type { CaSigner } from "../ports/ca-key-store.js";
import { CaError } from "./errors.js";
import { commonNameOnly, intermediateExtensions, rootExtensions, subjectKeyIdOf } from "./profiles.js";
import { signCertificate } from "./sign-certificate.js";
import { computeValidity, LATEST_NOT_AFTER } from "./validity.js";
import { x509 } from "./x509.js";

export interface CaCertificateRequest {
  signer: CaSigner;
  commonName: string;
  validityDays: number;
  serialNumber: string;
  now: Date;
}

/** A self-signed root, expiring before 2038 like everything in an IoT Edge chain. */
export async function createRootCertificate(request: CaCertificateRequest): Promise<x509.X509Certificate> {
  const validity = computeValidity({
    now: request.now,
    policyMaxDays: request.validityDays,
    issuerNotAfter: LATEST_NOT_AFTER,
  });
  const name = commonNameOnly(request.commonName);
  return signCertificate({
    signer: request.signer,
    issuer: name,
    subject: name,
    publicKeySpki: request.signer.publicKeySpki,
    serialNumber: request.serialNumber,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    extensions: await rootExtensions(request.signer.publicKeySpki),
  });
}

/** A certificate the root signs: the intermediate, and the token signer. */
export interface UnderRootCertificateRequest extends CaCertificateRequest {
  root: x509.X509Certificate;
  rootSigner: CaSigner;
}

/** The issuing intermediate, signed by the root and expiring no later than it. */
export async function createIntermediateCertificate(
  request: UnderRootCertificateRequest,
): Promise<x509.X509Certificate> {
  return certifyUnderRoot(
    request,
    await intermediateExtensions(request.signer.publicKeySpki, subjectKeyIdOf(request.root)),
  );
}

/** A certificate for `request.signer`'s key, signed by the root and expiring no later than it. */
export function certifyUnderRoot(
  request: UnderRootCertificateRequest,
  extensions: x509.Extension[],
): Promise<x509.X509Certificate> {
  const validity = computeValidity({
    now: request.now,
    policyMaxDays: request.validityDays,
    issuerNotAfter: request.root.notAfter,
  });
  return signCertificate({
    signer: request.rootSigner,
    issuer: request.root.subjectName,
    subject: commonNameOnly(request.commonName),
    publicKeySpki: request.signer.publicKeySpki,
    serialNumber: request.serialNumber,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    extensions,
  });
}

/**
 * Checks that stored CA material fits together: each certificate holds its own key, is a CA that
 * may sign certificates and ends before 2038, the intermediate is signed by the root, and neither
 * has expired. Catches a swapped or foreign file, or an adopted root that cannot serve as one.
 */
export async function assertCaPairConsistent(
  root: { certificate: x509.X509Certificate; signer: CaSigner },
  intermediate: { certificate: x509.X509Certificate; signer: CaSigner },
  now: Date,
): Promise<void> {
  for (const [label, ca] of [
    ["root", root],
    ["intermediate", intermediate],
  ] as const) {
    assertCaMaterial(label, ca);
    if (ca.certificate.notAfter.getTime() <= now.getTime()) {
      throw new CaError(
        "ca_material_invalid",
        `the ${label} certificate expired at ${ca.certificate.notAfter.toISOString()}`,
      );
    }
  }
  const signedByRoot = await intermediate.certificate.verify({
    publicKey: root.certificate.publicKey,
    signatureOnly: true,
  });
  if (!signedByRoot) {
    throw new CaError("ca_material_invalid", "the intermediate certificate is not signed by the root");
  }
}

/** A CA certificate for its own key (not a swapped one) that fits {@link assertCaProfile}. */
export function assertCaMaterial(
  label: string,
  ca: { certificate: x509.X509Certificate; signer: CaSigner },
): void {
  if (!holdsKey(ca.certificate, ca.signer)) {
    throw new CaError("ca_material_invalid", `the ${label} certificate does not match the ${label} key`);
  }
  assertCaProfile(label, ca.certificate);
}

/** A CA certificate that may sign certificates and ends before 2038, whoever made it. */
function assertCaProfile(label: string, certificate: x509.X509Certificate): void {
  const problem = (what: string) => new CaError("ca_material_invalid", `the ${label} certificate ${what}`);
  if (!certificate.getExtension(x509.BasicConstraintsExtension)?.ca)
    throw problem("is not a CA (basicConstraints)");
  const usages = certificate.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
  if (!(usages & x509.KeyUsageFlags.keyCertSign)) throw problem("may not sign certificates (keyUsage)");
  if (certificate.notAfter.getTime() > LATEST_NOT_AFTER.getTime()) {
    throw problem(`expires after ${LATEST_NOT_AFTER.toISOString()}, which IoT Edge refuses`);
  }
}

/** Whether the certificate certifies the signer's key (and not, say, a key swapped in beside it). */
export function holdsKey(certificate: x509.X509Certificate, signer: CaSigner): boolean {
  const certificateKey = new Uint8Array(certificate.publicKey.rawData);
  return Buffer.from(certificateKey).equals(Buffer.from(signer.publicKeySpki));
}
