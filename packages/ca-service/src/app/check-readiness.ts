import { CaError } from "../core/errors.js";
import { describeError } from "../logger.js";
import type { CaKeyStore } from "../ports/ca-key-store.js";
import type { CertificateStore } from "../ports/certificate-store.js";

/**
 * Whether the service can do its work: the store and the key store both answer. Refuses with
 * `unavailable` naming what is not ready; internal reasons stay in the error's cause, for logs.
 */
export async function checkReadiness(deps: {
  store: Pick<CertificateStore, "check">;
  keyStore: Pick<CaKeyStore, "check">;
}): Promise<void> {
  const checks = { store: deps.store.check(), keyStore: deps.keyStore.check() };
  const failed: { name: string; error: unknown }[] = [];
  for (const [name, check] of Object.entries(checks)) {
    await check.catch((error: unknown) => failed.push({ name, error }));
  }
  if (failed.length === 0) return;
  // A CaError's message is safe to show (e.g. "Key Vault answered 403"); others only in the log.
  const reasons = failed.map(({ name, error }) =>
    error instanceof CaError ? `${name}: ${error.message}` : `${name} unusable`,
  );
  const cause = new AggregateError(
    failed.map(({ error }) => error),
    failed.map(({ name, error }) => `${name}: ${describeError(error)}`).join("; "),
  );
  throw new CaError("unavailable", `not ready: ${reasons.join("; ")}`, { cause });
}
