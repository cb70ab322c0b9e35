import { CaError } from "../core/errors.js";
import { estCredentialIdentity } from "../core/principal.js";
import { hashPassword, PASSWORD_SALT_BYTES } from "../crypto/password-hash.js";
import type { Clock, RandomBytes } from "../ports/clock.js";
import type { EstCredentialRecord, EstCredentialStore } from "../ports/est-credential-store.js";
import { newTokenId } from "./token-id.js";

export interface EstCredentialCreationDeps {
  store: Pick<EstCredentialStore, "recordEstCredential">;
  clock: Clock;
  random: RandomBytes;
}

/** What the contract's CreateEstCredentialRequest validated: one of the prefix and the device ID. */
export interface CreateEstCredentialRequest {
  username: string;
  /** Undefined: a random one is generated. */
  password?: string | undefined;
  devicePrefix?: string | undefined;
  deviceId?: string | undefined;
  /** Undefined: until revoked. */
  lifetimeSeconds?: number | undefined;
  /** Who creates it, for the audit log. */
  actor: string;
}

export interface CreatedEstCredential {
  record: EstCredentialRecord;
  /** Returned this once: only its hash is recorded. */
  password: string;
}

/** 256 random bits. base64url: no colon (Basic splits there), nothing a TOML string must escape. */
const GENERATED_PASSWORD_BYTES = 32;

/**
 * Creates an HTTP Basic credential for EST and records it, audited: its scrypt hash, never the
 * password, which is returned this once. A username names one credential for good.
 */
export async function createEstCredential(
  deps: EstCredentialCreationDeps,
  request: CreateEstCredentialRequest,
): Promise<CreatedEstCredential> {
  const now = deps.clock.now();
  const password =
    request.password ??
    Buffer.from(deps.random(new Uint8Array(GENERATED_PASSWORD_BYTES))).toString("base64url");
  const passwordHash = await hashPassword(password, deps.random(new Uint8Array(PASSWORD_SALT_BYTES)));
  const expiresAt =
    request.lifetimeSeconds === undefined ? null : new Date(now.getTime() + request.lifetimeSeconds * 1000);
  const record: EstCredentialRecord = {
    id: newTokenId(deps.random),
    username: request.username,
    devicePrefix: request.devicePrefix ?? null,
    deviceId: request.deviceId ?? null,
    createdAt: now,
    createdBy: request.actor,
    expiresAt,
    revokedAt: null,
    revokedBy: null,
  };
  const outcome = await deps.store.recordEstCredential({
    credential: { ...record, passwordHash },
    audit: {
      at: now,
      actor: request.actor,
      action: "est-credential.create",
      target: estCredentialIdentity(request.username),
      outcome: "success",
      details: {
        id: record.id,
        ...(record.devicePrefix !== null && { devicePrefix: record.devicePrefix }),
        ...(record.deviceId !== null && { deviceId: record.deviceId }),
        ...(expiresAt !== null && { expiresAt: expiresAt.toISOString() }),
        passwordGenerated: request.password === undefined,
      },
    },
  });
  if (!outcome.recorded) {
    throw new CaError(
      "est_username_taken",
      `the EST username ${outcome.holder.username} is taken (credential ${outcome.holder.id}); names are never reused, choose another`,
    );
  }
  return { record, password };
}
