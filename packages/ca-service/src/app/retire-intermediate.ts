import type { RevocationReason } from "@edge-pki/api-contract";
import { assertCaPairConsistent, createIntermediateCertificate } from "../core/ca-hierarchy.js";
import { CaError } from "../core/errors.js";
import type { KeyAlgorithm } from "../core/key-algorithms.js";
import { randomSerialNumber } from "../core/serial-number.js";
import { truncateToSecond } from "../core/validity.js";
import type { x509 } from "../core/x509.js";
import type { CaKeyStore } from "../ports/ca-key-store.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock, RandomBytes } from "../ports/clock.js";
import { loadIssuingCa } from "./load-issuing-ca.js";
import { type CrlDeps, publishCrl } from "./publish-crl.js";
import { recordCaCertificates } from "./record-ca-certificates.js";

export interface RetireIntermediateDeps {
  keyStore: CaKeyStore;
  store: CrlDeps["store"] &
    Pick<CertificateStore, "findBySerialNumber" | "recordCaCertificate" | "revoke" | "appendAudit">;
  clock: Clock;
  random: RandomBytes;
  crl: CrlDeps["crl"];
}

export interface RetireIntermediateRequest {
  /**
   * The serial number of the intermediate to retire (lower-case hex): the guard against retiring its
   * successor by running the command again once it has finished.
   */
  serialNumber: string;
  reason: RevocationReason;
  /** Who retires it, for the audit log. */
  actor: string;
  /** The successor's common name, lifetime and key, as init makes an intermediate. */
  commonName: string;
  validityDays: number;
  keyAlgorithm: KeyAlgorithm;
}

export interface IntermediateRetirement {
  alreadyRetired: false;
  retired: x509.X509Certificate;
  reason: string;
  revokedAt: Date;
  successor: x509.X509Certificate;
  /** True when an earlier run had revoked it and stopped before its successor was in place. */
  resumed: boolean;
  /** Where the retired key is kept (an archived file, a Key Vault key version). */
  retiredKeyRef: string | undefined;
  /** The replaced keys disabled now (Key Vault key versions); none with local keys. */
  disabledKeyRefs: string[];
}

/** The named intermediate was retired before, and a successor is in its place: nothing to do. */
export interface IntermediateAlreadyRetired {
  alreadyRetired: true;
  serialNumber: string;
  reason: string | null;
  revokedAt: Date | null;
  /** The issuing intermediate now. */
  current: x509.X509Certificate;
  /** Replaced keys a run that stopped before disabling them left enabled, disabled now. */
  disabledKeyRefs: string[];
}

/**
 * Retires the issuing intermediate: revokes it on the root's CRL and puts a new one, signed by the
 * root, in its place. The order is what makes a crash at any point safe:
 *
 * 1. Revoke it and re-sign the root's CRL first. From that commit on, every replica stops signing
 *    under it within seconds (`IssuingCaSource`): a crash from here on leaves replicas refusing
 *    with `issuing_ca_retired`, never signing under a key that may be compromised.
 * 2. The next key, made beside the current one (the same key again on a retry).
 * 3. Its certificate, signed by the root, recorded before it is installed: whatever intermediate a
 *    replica loads is on record.
 * 4. Promote it in the key store; replicas take it at their next refresh, restarts at once.
 * 5. Disable the replaced key where the key store can (Key Vault), so that it signs nothing more.
 *
 * Run again after a crash, it finds the intermediate in the key store already revoked and carries
 * on from step 2. Run again after it finished, the intermediate it names is no longer the one in
 * use: it says so and leaves the successor alone.
 */
export async function retireIntermediate(
  deps: RetireIntermediateDeps,
  request: RetireIntermediateRequest,
): Promise<IntermediateRetirement | IntermediateAlreadyRetired> {
  const ca = await loadIssuingCa(deps.keyStore, deps.clock);
  const serialNumber = ca.certificate.serialNumber.toLowerCase();
  if (serialNumber !== request.serialNumber) {
    const done = await notInUse(deps.store, request.serialNumber, ca.certificate, request.reason);
    // Finished before: a run that stopped after the promotion left the replaced key to disable.
    return { ...done, disabledKeyRefs: await disableReplacedKeys(deps, request.actor) };
  }
  // A CA that was initialised but never served has not recorded its certificates yet.
  await recordCaCertificates(
    deps.store,
    [
      { profile: "root", certificate: ca.root },
      { profile: "intermediate", certificate: ca.certificate },
    ],
    deps.clock.now(),
  );

  const at = truncateToSecond(deps.clock.now());
  const revoked = await deps.store.revoke({
    serialNumber,
    reason: request.reason,
    at,
    audit: {
      at,
      actor: request.actor,
      action: "intermediate.retire",
      target: serialNumber,
      outcome: "success",
      details: { reason: request.reason },
    },
  });
  if (revoked === undefined) throw new CaError("internal", `intermediate ${serialNumber} is not on record`);
  const { record } = revoked;
  if (record.revocationReason !== request.reason) {
    throw new CaError(
      "already_revoked",
      `the intermediate ${serialNumber} was already retired at ${record.revokedAt?.toISOString()} (${record.revocationReason}); run again with --reason ${record.revocationReason} to finish putting its successor in place`,
    );
  }
  await publishCrl({ ...deps, ca }, "root");

  const next = await deps.keyStore.nextKey("intermediate", request.keyAlgorithm);
  const now = deps.clock.now();
  const successor = await createIntermediateCertificate({
    signer: next,
    rootSigner: ca.rootSigner,
    root: ca.root,
    commonName: request.commonName,
    validityDays: request.validityDays,
    serialNumber: randomSerialNumber(deps.random),
    now,
  });
  await recordCaCertificates(deps.store, [{ profile: "intermediate", certificate: successor }], now);
  const successorSerial = successor.serialNumber.toLowerCase();
  await deps.store.appendAudit({
    at: now,
    actor: request.actor,
    action: "intermediate.create",
    target: successorSerial,
    outcome: "success",
    details: { replaces: serialNumber },
  });
  const { signer, replacedKeyRef } = await deps.keyStore.promoteNextKey(
    "intermediate",
    new Uint8Array(successor.rawData),
  );
  await assertCaPairConsistent(
    { certificate: ca.root, signer: ca.rootSigner },
    { certificate: successor, signer },
    now,
  );
  return {
    alreadyRetired: false,
    retired: ca.certificate,
    reason: request.reason,
    revokedAt: record.revokedAt ?? at,
    successor,
    resumed: !revoked.changed,
    retiredKeyRef: replacedKeyRef,
    disabledKeyRefs: await disableReplacedKeys(deps, request.actor),
  };
}

/** Step 5, audited when it disabled anything (`intermediate.key-disable`, with the key refs). */
async function disableReplacedKeys(
  deps: Pick<RetireIntermediateDeps, "keyStore" | "store" | "clock">,
  actor: string,
): Promise<string[]> {
  const disabled = await deps.keyStore.disableReplacedKeys("intermediate");
  if (disabled.length > 0) {
    await deps.store.appendAudit({
      at: deps.clock.now(),
      actor,
      action: "intermediate.key-disable",
      target: null,
      outcome: "success",
      details: { keys: disabled },
    });
  }
  return disabled;
}

/**
 * The intermediate named is not the one in use. When it is one retired before, for the same reason,
 * the command ran again after it finished (or another operator's did): nothing to do. For another
 * reason, the retirement cannot be changed here: saying "nothing done" would hide that its devices
 * may still renew. When the one in use is itself retired and waiting for its successor, that is what
 * the operator must finish first. Anything else is a mistake (another certificate's serial, a typo),
 * refused with the serial in use.
 */
async function notInUse(
  store: Pick<CertificateStore, "findBySerialNumber">,
  named: string,
  current: x509.X509Certificate,
  reason: RevocationReason,
): Promise<Omit<IntermediateAlreadyRetired, "disabledKeyRefs">> {
  const currentSerial = current.serialNumber.toLowerCase();
  const inUse = await store.findBySerialNumber(currentSerial);
  if (inUse?.status === "revoked") {
    throw new CaError(
      "already_revoked",
      `the issuing intermediate ${currentSerial} is itself retired (${inUse.revocationReason}) and its successor is not in place yet: run again with --serial ${currentSerial} --reason ${inUse.revocationReason} to finish that first`,
    );
  }
  const record = await store.findBySerialNumber(named);
  if (record?.profile === "intermediate" && record.status === "revoked") {
    if (record.revocationReason !== reason) {
      throw new CaError(
        "already_revoked",
        `intermediate ${named} was already retired as ${record.revocationReason} at ${record.revokedAt?.toISOString()}; its reason cannot be changed to ${reason} (see docs/operations.md): nothing was changed`,
      );
    }
    return {
      alreadyRetired: true,
      serialNumber: named,
      reason: record.revocationReason,
      revokedAt: record.revokedAt,
      current,
    };
  }
  const what = record === undefined ? "" : ` (it is a ${record.profile} certificate)`;
  throw new CaError(
    "not_found",
    `${named} is not the issuing intermediate, nor one retired before${what}; the issuing intermediate is ${currentSerial}: nothing was retired`,
  );
}
