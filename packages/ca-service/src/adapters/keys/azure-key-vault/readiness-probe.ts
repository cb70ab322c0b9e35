import { CaError } from "../../../core/errors.js";
import { abortAfter } from "./abort-after.js";
import { type KeyVaultClient, VaultCallError } from "./key-vault-client.js";

/** Under Kubernetes' default probe timeout (1 s), so a slow vault reads "timed out", not a killed probe. */
export const PROBE_TIMEOUT_MS = 800;

/**
 * Key Vault reachability for `/readyz`: one unretried GET of the root key, a success trusted for a
 * few seconds (probes must not eat the signing budget), one probe in flight at a time. A 429 counts
 * as ready: the vault answered and let this identity in; it is only busy. A failure says why, in
 * words safe for the public readiness endpoint.
 */
export class ReadinessProbe {
  #checkedAt = Number.NEGATIVE_INFINITY;
  #probe: Promise<void> | undefined;

  constructor(
    private readonly client: KeyVaultClient,
    private readonly keyName: string,
    private readonly cacheMs: number,
    private readonly clock: () => number,
  ) {}

  check(): Promise<void> {
    if (this.clock() - this.#checkedAt < this.cacheMs) return Promise.resolve();
    if (this.#probe) return this.#probe;
    const timeout = abortAfter(PROBE_TIMEOUT_MS);
    this.#probe = this.client
      .probe(this.keyName, { abortSignal: timeout.signal })
      .catch((error: unknown) => {
        if (error instanceof VaultCallError && error.kind === "throttled") return;
        throw new CaError("unavailable", why(error, timeout.signal.aborted), { cause: error });
      })
      .then(() => {
        this.#checkedAt = this.clock();
      })
      .finally(() => {
        timeout.clear();
        this.#probe = undefined;
      });
    return this.#probe;
  }
}

function why(error: unknown, timedOut: boolean): string {
  if (timedOut) return `Key Vault timed out (no answer within ${PROBE_TIMEOUT_MS} ms)`;
  const status = error instanceof VaultCallError ? error.status : undefined;
  if (status === 401) return "Key Vault answered 401 (check the service's Azure credential)";
  if (status === 403) return "Key Vault answered 403 (check the role assignment)";
  if (status !== undefined) return `Key Vault answered ${status}`;
  return "Key Vault unreachable";
}
