import { createHash } from "node:crypto";
import { CaError } from "../core/errors.js";
import { hashPassword, PASSWORD_SALT_BYTES, verifyPassword } from "../crypto/password-hash.js";
import type { Clock, RandomBytes } from "../ports/clock.js";
import type { EstCredentialRecord, EstCredentialStore } from "../ports/est-credential-store.js";
import type { RevocationList } from "./revocation-list.js";

/**
 * How long a verified username and password are remembered, so that a device's next requests (aziot
 * sends Basic on every one) do not pay scrypt again. Revocation does not wait for this: every use
 * asks the revocation list, which is at most a couple of seconds stale on any replica.
 */
export const VERIFIED_CREDENTIAL_TTL_MS = 5 * 60_000;
/** At most this many remembered pairs; the oldest goes first. */
const CACHE_ENTRIES = 10_000;

export interface EstCredentialVerifierDeps {
  store: Pick<EstCredentialStore, "findEstCredential">;
  /** The revoked EST credentials, as every replica must refuse them. */
  revocations: RevocationList;
  clock: Clock;
  random: RandomBytes;
}

interface Verified {
  record: EstCredentialRecord;
  at: number;
}

/**
 * Checks an EST Basic username and password. An unknown username costs the same scrypt as a known
 * one (a hash of a random password stands in), so timing does not tell which names exist; the
 * comparison is constant-time. Revoked and expired credentials are refused, whether remembered or not.
 */
export class EstCredentialVerifier {
  private readonly verified = new Map<string, Verified>();
  /**
   * A hash of a random password, what an unknown username is checked against. Made at once, so that
   * the first unknown username does not pay for making it (and stand out by its timing).
   */
  private readonly standIn: Promise<string | undefined>;

  constructor(private readonly deps: EstCredentialVerifierDeps) {
    const password = Buffer.from(deps.random(new Uint8Array(32))).toString("base64url");
    // Never rejects (the parameters are ours); should it, unknown usernames are refused all the same.
    this.standIn = hashPassword(password, deps.random(new Uint8Array(PASSWORD_SALT_BYTES))).catch(
      () => undefined,
    );
  }

  async verify(username: string, password: string): Promise<EstCredentialRecord> {
    const now = this.deps.clock.now();
    const key = cacheKey(username, password);
    const remembered = this.verified.get(key);
    const record =
      remembered !== undefined && now.getTime() - remembered.at < VERIFIED_CREDENTIAL_TTL_MS
        ? remembered.record
        : await this.check(key, username, password, now);
    if (await this.deps.revocations.isRevoked(record.id)) {
      this.verified.delete(key);
      throw refused("the EST credential has been revoked");
    }
    if (record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime()) {
      this.verified.delete(key);
      throw refused("the EST credential has expired");
    }
    return record;
  }

  /** A revocation this replica made: refused here at once, without waiting for the next read. */
  markRevoked(id: string): Promise<void> {
    return this.deps.revocations.markRevoked(id);
  }

  private async check(
    key: string,
    username: string,
    password: string,
    now: Date,
  ): Promise<EstCredentialRecord> {
    const stored = await this.deps.store.findEstCredential(username);
    const matches = await verifyPassword(password, stored?.passwordHash ?? (await this.standIn) ?? "");
    if (stored === undefined || !matches) throw refused("the EST username or password is wrong");
    // Revoked as the store has it (this replica's list may not have caught up yet): never remembered.
    if (stored.revokedAt !== null) throw refused("the EST credential has been revoked");
    const { passwordHash: _hash, ...record } = stored;
    if (this.verified.size >= CACHE_ENTRIES) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(key, { record, at: now.getTime() });
    return record;
  }
}

/** The pair, hashed: the cache never holds a password. Length-prefixed, so no two pairs collide. */
function cacheKey(username: string, password: string): string {
  return createHash("sha256").update(`${username.length}:${username}:${password}`).digest("hex");
}

function refused(message: string): CaError {
  return new CaError("unauthorized", message, { challenge: "basic" });
}
