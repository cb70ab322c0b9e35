import { IssuedCertificate, RenewRequest } from "@edge-pki/api-contract";
import type { z } from "zod";
import { renewCertificate } from "../../app/renew-certificate.js";
import type { ServiceContext } from "../../app/service-context.js";
import { type Endpoint, endpoint } from "../endpoint.js";
import { badRequest, problem, tooLarge, unavailable } from "./problem-responses.js";

/** A proof's aud may name this path under the public URL. */
export const RENEW_PATH = "/v1/certificates/renew";

export function renewalEndpoints(context: ServiceContext): Endpoint[] {
  return [
    endpoint<z.infer<typeof RenewRequest>>({
      method: "post",
      path: RENEW_PATH,
      operationId: "renewCertificate",
      summary: "Renew a device certificate with a proof of possession of its key (no token)",
      // No bearer token: the proof in the body authenticates the device.
      access: "public",
      tags: ["certificates"],
      body: RenewRequest,
      responses: {
        201: { description: "Issued and recorded", schema: IssuedCertificate },
        400: badRequest,
        401: problem(
          "The proof does not verify, is expired, replayed, or not from a certificate of this CA (audited, and charged to the address's failed-authentication budget)",
        ),
        403: problem(
          "The certificate may not renew: revoked, expired past the grace period, another CN, or already renewed (a certificate renews once; renew the newest)",
        ),
        413: tooLarge,
        503: unavailable,
      },
      handle: async ({ body, principal }) => ({
        status: 201,
        body: await renewCertificate(context, body, principal),
      }),
    }),
  ];
}
