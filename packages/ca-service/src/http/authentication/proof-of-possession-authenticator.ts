import type { IssuingCaSource } from "../../app/issuing-ca-source.js";
import { CaError } from "../../core/errors.js";
import { holderPrincipal } from "../../core/principal.js";
import { deviceIdOfProof, verifyRenewalProof } from "../../core/renewal-proof.js";
import type { Clock } from "../../ports/clock.js";
import type { Authenticator } from "./authenticator.js";

export interface ProofOfPossessionDeps {
  issuingCa: Pick<IssuingCaSource, "knownIntermediates">;
  /** What a proof's `aud` may be. */
  audiences: readonly string[];
  clock: Clock;
}

/**
 * A renewal proof in the body's `proof` member: a short-lived JWS signed by the key of a device
 * certificate one of our intermediates (the current one or a retired one) issued, which travels in its `x5c`. It establishes the device; what
 * the proof asks for (its CSR, its jti) is the renewal's to check.
 */
export function proofOfPossessionAuthenticator(deps: ProofOfPossessionDeps): Authenticator {
  return {
    readsBody: true,
    // A proof is good for renewal only (its audience says so): its failures are refused renewals.
    failureAction: "renewal.refused",
    failureDetails: (error) => ({ code: error.code }),
    authenticate: async (_request, body) => {
      const proof = await verifyRenewalProof({
        proof: String((body as { proof?: unknown } | undefined)?.proof ?? ""),
        issuers: await deps.issuingCa.knownIntermediates(),
        audiences: deps.audiences,
        now: deps.clock.now(),
      });
      const deviceId = deviceIdOfProof(proof);
      if (deviceId === undefined) {
        const message = "the x5c leaf certificate has no CN";
        throw new CaError("proof_invalid", message, { errors: [{ field: "proof", message }] });
      }
      return holderPrincipal(deviceId, { certificate: proof.certificate, proof });
    },
  };
}
