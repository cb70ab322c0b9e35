import { CertificateRecord, RevokeRequest, SerialNumberParams } from "@edge-pki/api-contract";
import type { z } from "zod";
import { currentCrl } from "../../app/current-crl.js";
import { revokeCertificate } from "../../app/revoke-certificate.js";
import type { ServiceContext } from "../../app/service-context.js";
import { x509 } from "../../core/x509.js";
import { type Endpoint, endpoint } from "../endpoint.js";
import { toWire } from "./certificates.js";
import { badRequest, problem, tooLarge } from "./problem-responses.js";

/** Where device certificates point relying parties for the CRL (their distribution point). */
export const CRL_PATH = "/v1/crl";

const PKIX_CRL = "application/pkix-crl";
const PEM = "application/x-pem-file";
const crlUnavailable = problem("The CRL could not be signed");

export function revocationEndpoints(context: ServiceContext): Endpoint[] {
  return [
    endpoint<z.infer<typeof RevokeRequest>, z.infer<typeof SerialNumberParams>>({
      method: "post",
      path: "/v1/certificates/:serialNumber/revoke",
      operationId: "revokeCertificate",
      summary: "Revoke a certificate for good and re-sign the CRL",
      access: "certificates:revoke",
      tags: ["revocation"],
      params: SerialNumberParams,
      body: RevokeRequest,
      responses: {
        200: { description: "Revoked (or already revoked with the same reason)", schema: CertificateRecord },
        400: badRequest,
        404: problem("No such certificate"),
        409: problem("Already revoked with another reason"),
        413: tooLarge,
        503: { ...crlUnavailable, description: "Revoked, but the CRL could not be re-signed yet" },
      },
      handle: async ({ body, params, principal }) => ({
        status: 200,
        body: toWire(await revokeCertificate(context, params.serialNumber, body.reason, principal)),
      }),
    }),
    endpoint({
      method: "get",
      path: CRL_PATH,
      operationId: "getCrl",
      summary: "The issuing CA's current CRL, DER",
      access: "public",
      rateLimit: "public",
      tags: ["revocation"],
      responses: { 200: { description: "CRL", contentType: PKIX_CRL }, 503: crlUnavailable },
      handle: async () => ({ status: 200, body: (await currentCrl(context)).der, contentType: PKIX_CRL }),
    }),
    endpoint({
      method: "get",
      path: `${CRL_PATH}.pem`,
      operationId: "getCrlPem",
      summary: "The issuing CA's current CRL, PEM",
      access: "public",
      rateLimit: "public",
      tags: ["revocation"],
      responses: { 200: { description: "CRL", contentType: PEM }, 503: crlUnavailable },
      handle: async () => ({
        status: 200,
        body: `${x509.PemConverter.encode((await currentCrl(context)).der, "X509 CRL")}\n`,
        contentType: PEM,
      }),
    }),
  ];
}
