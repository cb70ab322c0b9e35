import { type OperationDefinition, PROBLEMS } from "@edge-pki/api-contract";
import type { Request } from "express";
import type { AuditSummaries } from "../app/audit-summaries.js";
import { type Denial, recordDenial } from "../app/record-denial.js";
import { authorize } from "../core/authorize.js";
import { type CallerBudgetDefaults, callerBudgetOf } from "../core/caller-budget.js";
import { CaError } from "../core/errors.js";
import { anonymousPrincipal, identityOf, type Principal } from "../core/principal.js";
import { describeError, type Logger } from "../logger.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import type { HttpMetrics, RateLimitBudget } from "../ports/metrics.js";
import type { Authenticator } from "./authentication/authenticator.js";
import type { RateLimitClass } from "./rate-limit-classes.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface GateOptions {
  /** Where refusals are audited. */
  audit: { store: Pick<CertificateStore, "appendAudit">; clock: Clock };
  /** Where rate-limit refusals are audited, summarised per caller and minute. */
  auditSummaries: Pick<AuditSummaries, "record">;
  /** One authenticator per kind of authentication an operation may declare. */
  authenticators: Record<Exclude<OperationDefinition["authentication"]["kind"], "none">, Authenticator>;
  /**
   * Authenticated callers, per identity, each at the budget `callerBudgetOf` gives it: its API
   * token's own, else its kind's default.
   */
  callers: { limiter: RateLimiter; defaults: CallerBudgetDefaults };
  /**
   * Per address: anonymous requests (but health probes), and renewals before their proof is
   * verified; undefined when that limit is off.
   */
  addresses: RateLimiter | undefined;
  /** Failed authentications, per client address: a much smaller budget against credential guessing. */
  authFailures: RateLimiter | undefined;
  /** Where refusals for a budget are counted. */
  metrics: Pick<HttpMetrics, "rateLimited">;
  /** The client's address: the TCP peer's, or what a trusted proxy says it is. */
  clientAddress: (request: Request) => string;
  logger: Logger;
}

/** A request let in: who is calling, and its body (read once the caller may send one). */
export interface Admission {
  principal: Principal;
  body: unknown;
}

export interface Gate {
  /**
   * Admits a request to an operation: within budget, who is calling (by the operation's kind of
   * authentication), with the right. The body is read only once the caller is known, unless the
   * credentials travel in it (a renewal proof): an unauthenticated caller learns nothing about
   * validation and makes us parse nothing. `readBody` learns who is calling, as far as is known.
   */
  admit(
    request: Request,
    operation: OperationDefinition,
    rateLimit: RateLimitClass,
    readBody: (caller: Principal) => Promise<unknown>,
  ): Promise<Admission>;
  /**
   * Audits a refusal an operation made after admission (a device-ID prefix, a used token) and
   * charges failed authentications to the address's failure budget.
   */
  refused(request: Request, principal: Principal, error: unknown): Promise<void>;
}

const REFUSALS: Partial<Record<string, "auth.failure" | "auth.denied">> = {
  token_used: "auth.failure",
  forbidden: "auth.denied",
};

/**
 * Refusals by an operation that fail authentication (401s: a used token, a renewal proof for
 * another CSR or replayed): each one spends from the address's failure budget.
 */
const FAILED_AUTHENTICATIONS = new Set(["unauthorized", "token_used", "proof_invalid"]);

/**
 * Authentication, rate limits and authorisation in front of every operation. Refusals are
 * audited; credentials themselves are never logged or recorded. The failure budget is looked at
 * only when a request fails authentication, so valid credentials are never refused for failures
 * that came from their address before.
 */
export function createGate(options: GateOptions): Gate {
  const { authenticators, callers, addresses, authFailures, logger } = options;
  const addressOf = options.clientAddress;
  const audit = (denial: Denial) =>
    recordDenial(options.audit, denial).catch((error: unknown) =>
      logger.error("could not audit a refused request", { error: describeError(error) }),
    );
  /**
   * Spends one request of `identity`'s budget, or refuses with 429: audited, summarised per caller
   * and minute, so that a flood of refused requests is a handful of entries.
   */
  const spend = (budget: RateLimitBudget, take: () => void, identity: string, request: Request) => {
    try {
      take();
    } catch (error) {
      options.metrics.rateLimited({ budget });
      options.auditSummaries.record({
        actor: identity,
        action: "rate_limit.refused",
        target: targetOf(request),
        outcome: "failure",
        details: { reason: error instanceof Error ? error.message : String(error) },
      });
      throw error;
    }
  };
  /** Over the budget: 429, and the failures are no longer audited one by one, only summarised. */
  const chargeFailure = (request: Request) =>
    spend(
      "auth-failures",
      () => authFailures?.take(addressOf(request)),
      identityOf(anonymousPrincipal(addressOf(request))),
      request,
    );
  /** An address's budget, for a caller not known (yet). */
  const spendAddress = (request: Request, anonymous: Principal) =>
    spend("public", () => addresses?.take(identityOf(anonymous)), identityOf(anonymous), request);
  /** A known caller's budget: its token's own, else its kind's default. */
  const spendCaller = (request: Request, principal: Principal) => {
    const identity = identityOf(principal);
    const budget = callerBudgetOf(principal, callers.defaults);
    spend(budget.kind, () => callers.limiter.take(identity, budget.perMinute), identity, request);
  };

  async function authenticate(
    authenticator: Authenticator,
    request: Request,
    body: unknown,
  ): Promise<Principal> {
    try {
      return await authenticator.authenticate(request, body);
    } catch (error) {
      if (error instanceof CaError && isAuthenticationFailure(error)) {
        chargeFailure(request);
        await audit({
          actor: identityOf(anonymousPrincipal(addressOf(request))),
          action: authenticator.failureAction,
          target: targetOf(request),
          reason: error.message,
          ...withDetails(authenticator.failureDetails(error, request)),
        });
      }
      throw error;
    }
  }

  const admit: Gate["admit"] = async (request, operation, rateLimit, readBody) => {
    const anonymous = anonymousPrincipal(addressOf(request));
    const { authentication } = operation;
    if (authentication.kind === "none") {
      if (rateLimit !== "none") spendAddress(request, anonymous);
      return { principal: anonymous, body: await readBody(anonymous) };
    }
    const authenticator = authenticators[authentication.kind];
    if (authenticator.readsBody) {
      // Nobody is known before the body is read: the address is only a coarse outer bound (the
      // larger per-address budget), since behind a proxy or a NAT many devices share one. What the
      // request proves, once it is verified, pays: its device's budget.
      spendAddress(request, anonymous);
      const body = await readBody(anonymous);
      const principal = await authenticate(authenticator, request, body);
      if (rateLimit !== "none") spendCaller(request, principal);
      return { principal, body };
    }
    const principal = await authenticate(authenticator, request, undefined);
    if (rateLimit !== "none") spendCaller(request, principal);
    // Bearer and Basic callers hold roles: what the operation requires, one of them must grant.
    if ("permissions" in authentication) {
      try {
        authorize(principal, authentication.permissions);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await audit({
          actor: identityOf(principal),
          action: "auth.denied",
          target: targetOf(request),
          reason,
        });
        throw error;
      }
    }
    return { principal, body: await readBody(principal) };
  };

  const refused: Gate["refused"] = async (request, principal, error) => {
    if (!(error instanceof CaError)) return;
    if (FAILED_AUTHENTICATIONS.has(error.code)) chargeFailure(request);
    const action = REFUSALS[error.code];
    if (action === undefined) return;
    await audit({ actor: identityOf(principal), action, target: targetOf(request), reason: error.message });
  };

  return { admit, refused };
}

/** The caller's credentials did not hold (401), or did not name someone this CA knows (403). */
function isAuthenticationFailure(error: CaError): boolean {
  const { status } = PROBLEMS[error.code];
  return status === 401 || status === 403;
}

function withDetails(details: Record<string, unknown> | undefined): { details?: Record<string, unknown> } {
  return details === undefined ? {} : { details };
}

function targetOf(request: Request): string {
  return `${request.method} ${request.path}`;
}
