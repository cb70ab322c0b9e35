import type { Request } from "express";
import type { Denial } from "../../app/record-denial.js";
import type { CaError } from "../../core/errors.js";
import type { Principal } from "../../core/principal.js";

/** How callers of one kind of operation prove who they are. */
export interface Authenticator {
  /** The credentials are in the body (a renewal proof): it is read and validated first. */
  readonly readsBody: boolean;
  /** How a failed attempt is audited. */
  readonly failureAction: Denial["action"];
  /** What the audit entry of a failed attempt records besides its reason. */
  failureDetails(error: CaError, request: Request): Record<string, unknown> | undefined;
  /**
   * Who is calling. Throws a CaError: a 401 or 403 is a failed authentication (audited and charged
   * to the address's failure budget); anything else (an issuer's keys out of reach) is not.
   */
  authenticate(request: Request, body: unknown): Promise<Principal>;
}
