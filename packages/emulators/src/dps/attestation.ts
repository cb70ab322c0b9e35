/**
 * X.509 attestation of a registration, as `concepts-x509-attestation.md` describes it: the leaf's CN
 * is the registration ID (compared without regard to case); an individual enrollment for that ID is
 * looked at first (its certificate must be the leaf), then enrollment groups, from the first
 * certificate above the leaf up to the root; the first matching entry wins, and a disabled one
 * refuses the device. A group matched through `caReferences` needs that CA certificate verified; one
 * matched through its own `signingCertificates` needs its certificate, or one above it in the chain
 * the device presents, uploaded and verified (`how-to-verify-certificates.md`: "A group's signing
 * cert must be verified, or must chain up to a verified cert that the device presents").
 */
import type { X509Certificate } from "node:crypto";
import type { ArmCertificateStore } from "./arm-certificates.js";
import { commonNameOf, thumbprint } from "./certificates.js";
import type { EnrollmentStore, StoredEnrollment } from "./enrollments.js";
import { unauthorized } from "./errors.js";

export interface Attestation {
  enrollment: StoredEnrollment;
  /** The certificate that matched a group: the signing certificate. */
  signingCertificate?: X509Certificate;
}

/**
 * The enrollment that vouches for a device presenting `chain` (leaf first) as `registrationId`;
 * DPS's 401 when none does. A disabled enrollment is returned: the caller answers `disabled`.
 */
export function attest(
  registrationId: string,
  chain: readonly X509Certificate[],
  stores: { enrollments: EnrollmentStore; certificates: ArmCertificateStore },
  now: Date,
): Attestation {
  const leaf = chain[0];
  if (leaf === undefined) throw unauthorized("No client certificate was presented.");
  const commonName = commonNameOf(leaf);
  if (commonName === undefined || commonName.toLowerCase() !== registrationId.toLowerCase()) {
    throw unauthorized("The registration ID does not match the CN of the client certificate.");
  }
  if (Date.parse(leaf.validFrom) > now.getTime() || Date.parse(leaf.validTo) < now.getTime()) {
    throw unauthorized("The client certificate is not within its validity period.");
  }
  for (let index = 0; index + 1 < chain.length; index++) {
    const child = chain[index] as X509Certificate;
    const parent = chain[index + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw unauthorized("Signing certificate info did not match chain elements.");
    }
  }
  const individual = stores.enrollments.get("enrollment", registrationId);
  if (individual !== undefined && individual.certificates.length > 0) {
    const leafThumbprint = thumbprint(leaf, "sha256");
    if (
      !individual.certificates.some(({ certificate }) => thumbprint(certificate, "sha256") === leafThumbprint)
    ) {
      throw unauthorized("The client certificate does not match the individual enrollment.");
    }
    return { enrollment: individual };
  }
  for (const [index, certificate] of chain.entries()) {
    if (index === 0) continue;
    const matched = groupFor(certificate, stores);
    if (matched === undefined) continue;
    if (matched.caReferences.length === 0 && !verifiedAmong(chain.slice(index), stores.certificates)) {
      throw unauthorized(
        "The enrollment group's signing certificate is not verified, and it chains up to no verified certificate the device presents.",
      );
    }
    return { enrollment: matched, signingCertificate: certificate };
  }
  throw unauthorized("No enrollment matches the client certificate's chain.");
}

function groupFor(
  certificate: X509Certificate,
  stores: { enrollments: EnrollmentStore; certificates: ArmCertificateStore },
): StoredEnrollment | undefined {
  const wanted = thumbprint(certificate, "sha256");
  for (const group of stores.enrollments.list("enrollmentGroup")) {
    if (group.certificates.some((slot) => thumbprint(slot.certificate, "sha256") === wanted)) return group;
    for (const name of group.caReferences) {
      const uploaded = stores.certificates.get(name);
      if (uploaded !== undefined && thumbprint(uploaded.certificate, "sha256") === wanted) {
        if (!uploaded.isVerified) {
          throw unauthorized(`The CA certificate '${uploaded.name}' is not verified (proof of possession).`);
        }
        return group;
      }
    }
  }
  return undefined;
}

/** Whether one of `certificates` is uploaded to the DPS instance (ARM) and verified. */
function verifiedAmong(certificates: readonly X509Certificate[], store: ArmCertificateStore): boolean {
  const verified = new Set(
    store
      .list()
      .filter((uploaded) => uploaded.isVerified)
      .map((uploaded) => thumbprint(uploaded.certificate, "sha256")),
  );
  return certificates.some((certificate) => verified.has(thumbprint(certificate, "sha256")));
}
