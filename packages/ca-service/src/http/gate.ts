import type { Request } from "express";
import { recordDenial } from "../app/record-denial.js";
import type { ServiceContext } from "../app/service-context.js";
import { authorize } from "../core/authorize.js";
import { CaError } from "../core/errors.js";
import type { Access } from "../core/permissions.js";
import { anonymousPrincipal, identityOf, type Principal } from "../core/principal.js";
import { principalFromToken } from "../core/token-claims.js";
import { describeError, type Logger } from "../logger.js";
import type { TokenVerifier } from "../ports/token-verifier.js";
import { bearerTokenOf } from "./bearer-token.js";
import type { RateLimitClass } from "./endpoint.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface GateOptions {
  context: ServiceContext;
  verifier: TokenVerifier;
  /** Every request, per client identity; undefined when rate limiting is off. */
  requests: RateLimiter | undefined;
  /** Public CA material, CRL and JWKS, per address: a larger budget of its own. */
  publicRequests: RateLimiter | undefined;
  /** Failed authentications, per client address: a much smaller budget against token guessing. */
  authFailures: RateLimiter | undefined;
  logger: Logger;
}

/** What the gate needs to know of an endpoint. */
export interface GatedEndpoint {
  access: Access;
  rateLimit?: RateLimitClass | undefined;
}

export interface Gate {
  /** Admits a request to an endpoint: who is calling, within budget, with the right. */
  admit(request: Request, endpoint: GatedEndpoint): Promise<Principal>;
  /**
   * Audits a refusal an operation made after admission (a device-ID prefix, a used token) and
   * charges failed authentications to the address's failure budget.
   */
  refused(request: Request, principal: Principal, error: unknown): Promise<void>;
}

const REFUSALS: Record<string, "auth.failure" | "auth.denied"> = {
  token_used: "auth.failure",
  forbidden: "auth.denied",
};

/**
 * Refusals that fail authentication (401s: a bad or used token, a bad renewal proof): each one
 * spends from the address's failure budget.
 */
const FAILED_AUTHENTICATIONS = new Set(["unauthorized", "token_used", "proof_invalid"]);

/**
 * Authentication and authorisation in front of every endpoint. Refusals are audited; the token
 * itself is never logged or recorded. The failure budget is looked at only when a request fails
 * authentication, so a valid token is never refused for failures that came from its address before.
 */
export function createGate(options: GateOptions): Gate {
  const { context, verifier, requests, publicRequests, authFailures, logger } = options;
  const audit = (denial: Parameters<typeof recordDenial>[1]) =>
    recordDenial(context, denial).catch((error: unknown) =>
      logger.error("could not audit a refused request", { error: describeError(error) }),
    );
  /** Over the budget: 429, and nothing more is audited for that address until it refills. */
  const chargeFailure = (request: Request) => authFailures?.take(addressOf(request));

  const admit: Gate["admit"] = async (request, { access, rateLimit = "caller" }) => {
    const anonymous = anonymousPrincipal(addressOf(request));
    if (access === "public") {
      const limiter = { caller: requests, public: publicRequests, none: undefined }[rateLimit];
      limiter?.take(identityOf(anonymous));
      return anonymous;
    }
    const target = targetOf(request);
    let principal: Principal;
    try {
      principal = principalFromToken(await verifier.verify(bearerTokenOf(request)));
    } catch (error) {
      if (error instanceof CaError && error.code === "unauthorized") {
        chargeFailure(request);
        await audit({ actor: identityOf(anonymous), action: "auth.failure", target, reason: error.message });
      }
      throw error;
    }
    requests?.take(identityOf(principal));
    try {
      authorize(principal, access);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await audit({ actor: identityOf(principal), action: "auth.denied", target, reason });
      throw error;
    }
    return principal;
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

function addressOf(request: Request): string {
  return request.socket.remoteAddress ?? "unknown";
}

function targetOf(request: Request): string {
  return `${request.method} ${request.path}`;
}
