import type { OperationId } from "@edge-pki/api-contract";

/**
 * Which budget a request draws on: its caller's (per identity, at its token's or its kind's budget;
 * per address for a caller without credentials), the per-address budget of public material, or none.
 */
export type RateLimitClass = "caller" | "public" | "none";

/**
 * Public CA material, CRL and JWKS have a budget of their own: relying parties and DPS fetch them
 * often. Health probes are never limited: they must never fail for load.
 */
export const RATE_LIMIT_CLASSES: Partial<Record<OperationId, RateLimitClass>> = {
  getHealth: "none",
  getReadiness: "none",
  getCa: "public",
  getRootPem: "public",
  getChainPem: "public",
  getJwks: "public",
  getCrl: "public",
  getCrlPem: "public",
  getRootCrl: "public",
  getRootCrlPem: "public",
};

export function rateLimitClassOf(operationId: string): RateLimitClass {
  return RATE_LIMIT_CLASSES[operationId as OperationId] ?? "caller";
}
