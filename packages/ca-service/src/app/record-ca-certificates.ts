import { classifyPublicKey } from "../core/key-algorithms.js";
import type { Profile } from "../core/profiles.js";
import type { x509 } from "../core/x509.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import { certificateRecord } from "./certificate-record.js";

/**
 * The CA's own certificates go into the store like every other it hands out (/v1/ca, the JWKS):
 * recorded once, on the first start that sees them, so `GET /v1/certificates/{serial}` knows them.
 */
export async function recordCaCertificates(
  store: Pick<CertificateStore, "recordCaCertificate">,
  certificates: { profile: Profile; certificate: x509.X509Certificate }[],
  now: Date,
): Promise<void> {
  for (const { profile, certificate } of certificates) {
    await store.recordCaCertificate(
      certificateRecord(certificate, {
        profile,
        deviceId: null,
        keyAlgorithm: classifyPublicKey(new Uint8Array(certificate.publicKey.rawData)),
        issuedAt: now,
        requester: "edge-pki-ca",
      }),
    );
  }
}
