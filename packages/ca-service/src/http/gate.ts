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
import type { RateLimiter } from "./rate-limiter.js";

export interface GateOptions {
  context: ServiceContext;
  verifier: TokenVerifier;
  /** Every request, per client identity; undefined when rate limiting is off. */
  requests: RateLimiter | undefined;
  /** Failed authentications, per client address: a much smaller budget against token guessing. */
  authFailures: RateLimiter | undefined;
  logger: Logger;
}

export interface Gate {
  /** Admits a request to an endpoint: who is calling, within budget, with the right. */
  admit(request: Request, access: Access): Promise<Principal>;
  /** Audits a refusal an operation made after admission (a device-ID prefix, a used token). */
  refused(request: Request, principal: Principal, error: unknown): Promise<void>;
}

const REFUSALS: Record<string, "auth.failure" | "auth.denied"> = {
  token_used: "auth.failure",
  forbidden: "auth.denied",
};

/**
 * Authentication and authorisation in front of every endpoint. Refusals are audited; the token
 * itself is never logged or recorded.
 */
export function createGate(options: GateOptions): Gate {
  const { context, verifier, requests, authFailures, logger } = options;
  const audit = (denial: Parameters<typeof recordDenial>[1]) =>
    recordDenial(context, denial).catch((error: unknown) =>
      logger.error("could not audit a refused request", { error: describeError(error) }),
    );

  const admit: Gate["admit"] = async (request, access) => {
    const address = request.socket.remoteAddress ?? "unknown";
    const anonymous = anonymousPrincipal(address);
    if (access === "public") {
      requests?.take(identityOf(anonymous));
      return anonymous;
    }
    const target = targetOf(request);
    authFailures?.assertAvailable(address);
    let principal: Principal;
    try {
      principal = principalFromToken(await verifier.verify(bearerTokenOf(request)));
    } catch (error) {
      if (error instanceof CaError && error.code === "unauthorized") {
        authFailures?.charge(address);
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
    const action = error instanceof CaError ? REFUSALS[error.code] : undefined;
    if (action === undefined) return;
    const reason = (error as CaError).message;
    await audit({ actor: identityOf(principal), action, target: targetOf(request), reason });
  };

  return { admit, refused };
}

function targetOf(request: Request): string {
  return `${request.method} ${request.path}`;
}
