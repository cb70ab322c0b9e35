import { CaError } from "../core/errors.js";
import { isIssuedBy } from "../core/issued-by.js";
import { classifyPublicKey } from "../core/key-algorithms.js";
import { holderPrincipal, type Principal } from "../core/principal.js";
import type { Profile } from "../core/profiles.js";
import { assertRenewableUnderRetired } from "../core/retired-intermediate.js";
import { isValidAt } from "../core/validity.js";
import { x509 } from "../core/x509.js";
import type { CertificateRecord, CertificateStore } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import type { IssuingCaSource } from "./issuing-ca-source.js";

export interface RecognitionDeps {
  issuingCa: Pick<IssuingCaSource, "current" | "retired">;
  store: Pick<CertificateStore, "findBySerialNumber">;
  clock: Clock;
}

/**
 * The device a client certificate stands for. The caller has already proved it holds the key (the
 * TLS handshake did); here the certificate itself must be one our current intermediate signed (a
 * retired one's certificates authenticate no one), within its validity, on record as a valid device
 * certificate (a revoked certificate authenticates no one), and with a key this CA still issues for
 * (one certified before the allow-list, e = 1 say, does not).
 */
export async function recogniseDeviceCertificate(deps: RecognitionDeps, der: Uint8Array): Promise<Principal> {
  const { record, certificate } = await recogniseIssuedCertificate(deps, der, ["device"]);
  return holderPrincipal(record.deviceId, { certificate, proof: undefined });
}

/**
 * The same checks for a certificate of one of `profiles` that we issued for a device (EST also
 * authenticates EST identities, and renews Edge CAs): our record of it, and the certificate.
 * `fromRetired` also takes a certificate of a retired intermediate when the retirement does not
 * doubt its key (superseded and the like), as renewal does: EST clients renew with what they hold.
 */
export async function recogniseIssuedCertificate(
  deps: RecognitionDeps,
  der: Uint8Array,
  profiles: readonly Profile[],
  options: { fromRetired?: boolean; notOurs?: string } = {},
): Promise<{ record: CertificateRecord & { deviceId: string }; certificate: x509.X509Certificate }> {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(der);
  } catch (cause) {
    throw refused("the client certificate cannot be parsed", cause);
  }
  if (!(await isIssuedBy(certificate, (await deps.issuingCa.current()).certificate))) {
    const retired = options.fromRetired ? await issuingRetired(deps, certificate) : undefined;
    if (retired === undefined) {
      throw refused(`the client certificate was not issued by this CA${options.notOurs ?? ""}`);
    }
    assertRenewableUnderRetired(retired, certificate.serialNumber.toLowerCase());
  }
  if (!isValidAt(certificate, deps.clock.now())) {
    throw refused(
      `the client certificate is not valid now (${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()})`,
    );
  }
  const serialNumber = certificate.serialNumber.toLowerCase();
  const record = await deps.store.findBySerialNumber(serialNumber);
  if (
    record === undefined ||
    !profiles.includes(record.profile) ||
    record.deviceId === null ||
    !Buffer.from(record.der).equals(der)
  ) {
    throw refused(
      `the client certificate is not a ${profiles.join(" or ")} certificate this CA has on record`,
    );
  }
  if (record.status === "revoked") throw refused(`the client certificate ${serialNumber} is revoked`);
  try {
    classifyPublicKey(new Uint8Array(certificate.publicKey.rawData));
  } catch (cause) {
    throw refused("the client certificate's key is not one this CA issues for", cause);
  }
  return { record: { ...record, deviceId: record.deviceId }, certificate };
}

/** The retired intermediate that signed `certificate`, if one did. */
async function issuingRetired(deps: RecognitionDeps, certificate: x509.X509Certificate) {
  for (const retired of await deps.issuingCa.retired()) {
    if (await isIssuedBy(certificate, retired.certificate)) return retired;
  }
  return undefined;
}

function refused(message: string, cause?: unknown): CaError {
  return new CaError("forbidden", message, { cause });
}
