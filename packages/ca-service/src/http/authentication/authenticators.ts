import type { ServiceContext } from "../../app/service-context.js";
import type { GateOptions } from "../gate.js";
import { basicAuthenticator } from "./basic-authenticator.js";
import { bearerAuthenticator } from "./bearer-authenticator.js";
import {
  type CertificateForwarding,
  clientCertificateAuthenticator,
} from "./client-certificate-authenticator.js";
import { proofOfPossessionAuthenticator } from "./proof-of-possession-authenticator.js";

/** One authenticator for each kind of authentication an operation may declare. */
export function authenticatorsFor(
  context: ServiceContext,
  forwarding: CertificateForwarding | undefined,
): GateOptions["authenticators"] {
  return {
    bearer: bearerAuthenticator(context.verifier, context.tokenRevocations),
    "proof-of-possession": proofOfPossessionAuthenticator({
      issuingCa: context.issuingCa,
      audiences: context.renewal.audiences,
      clock: context.clock,
    }),
    "client-certificate": clientCertificateAuthenticator({ ...context, forwarding }),
    basic: basicAuthenticator(context.estCredentials),
  };
}
