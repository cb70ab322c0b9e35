import { CaError } from "../core/errors.js";
import { IDEMPOTENCY_RETENTION_MS } from "../core/idempotency.js";
import { idempotencyNamespaceOf, identityOf, type Principal } from "../core/principal.js";
import type { CertificateStore, IdempotencyRecord } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import type { AuditSummaries } from "./audit-summaries.js";
import { purgeExpired } from "./purge-expired.js";

/** What running an operation idempotently uses. */
export interface IdempotencyDeps {
  store: Pick<CertificateStore, "findIdempotencyRecord" | "purgeExpired">;
  clock: Clock;
  /** Replays are audited, summarised per caller and minute. */
  auditSummaries: Pick<AuditSummaries, "record">;
}

/** An `Idempotency-Key` and the fingerprint of the request that carried it. */
export interface IdempotencyRequest {
  key: string;
  fingerprint: string;
}

/** Builds the record an operation stores, in its own transaction, with the response to replay. */
export type IdempotencyRecorder = (status: number, body: unknown) => IdempotencyRecord;

export interface IdempotentOperation<Result> {
  /** The operation's id, for the audit entry of a replay. */
  name: string;
  /** Does the work; must hand `record(...)` to the store in the transaction that commits the effect. */
  perform(record: IdempotencyRecorder | undefined): Promise<Result>;
  /** Answers a retry from what the first request stored. */
  replay(stored: IdempotencyRecord): Promise<Result>;
}

/**
 * Runs an operation at most once per caller and key. Callers check every authorisation rule before
 * calling this: a replay answers without running `perform`. A retry with the same request gets the
 * replayed first response; with another request, 422. Two identical requests racing both perform,
 * but the store's unique key lets only one commit: the loser finds the winner's record and replays
 * it, so nothing is issued twice.
 */
export async function runIdempotent<Result>(
  deps: IdempotencyDeps,
  principal: Principal,
  request: IdempotencyRequest | undefined,
  operation: IdempotentOperation<Result>,
): Promise<Result> {
  if (request === undefined) return operation.perform(undefined);
  const caller = idempotencyNamespaceOf(principal);
  const replayOrRefuse = (stored: IdempotencyRecord) => {
    if (stored.fingerprint !== request.fingerprint) {
      throw new CaError(
        "idempotency_conflict",
        "this Idempotency-Key was already used with a different request; use a new key for a new request",
      );
    }
    deps.auditSummaries.record({
      actor: identityOf(principal),
      action: "idempotency.replay",
      target: operation.name,
      outcome: "success",
      details: { idempotencyKey: request.key },
    });
    return operation.replay(stored);
  };
  const earlier = await findLive(deps, caller, request.key);
  if (earlier) return replayOrRefuse(earlier);
  await purgeExpired(deps);
  const createdAt = deps.clock.now();
  try {
    return await operation.perform((status, body) => ({
      caller,
      key: request.key,
      fingerprint: request.fingerprint,
      status,
      body,
      createdAt,
    }));
  } catch (error) {
    const winner = await findLive(deps, caller, request.key).catch(() => undefined);
    if (winner) return replayOrRefuse(winner);
    throw error;
  }
}

async function findLive(
  deps: IdempotencyDeps,
  caller: string,
  key: string,
): Promise<IdempotencyRecord | undefined> {
  const record = await deps.store.findIdempotencyRecord(caller, key);
  const oldest = deps.clock.now().getTime() - IDEMPOTENCY_RETENTION_MS;
  return record && record.createdAt.getTime() >= oldest ? record : undefined;
}
