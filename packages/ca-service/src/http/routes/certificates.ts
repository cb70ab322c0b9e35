import {
  CertificateList,
  CertificateRecord,
  DeviceIdParams,
  IssueCertificateRequest,
  IssueCredentialsRequest,
  IssuedCertificate,
  IssuedCredentials,
  ListQuery,
  SerialNumberParams,
} from "@edge-pki/api-contract";
import type { z } from "zod";
import { issueCredentials } from "../../app/issue-credentials.js";
import { issueFromCsr } from "../../app/issue-from-csr.js";
import type { ServiceContext } from "../../app/service-context.js";
import { CaError } from "../../core/errors.js";
import { x509 } from "../../core/x509.js";
import type { CertificateRecord as StoredCertificate } from "../../ports/certificate-store.js";
import { type Endpoint, endpoint } from "../endpoint.js";
import { idempotencyOf } from "../idempotency-key.js";
import { badRequest, idempotencyConflict, problem, tooLarge, unavailable } from "./problem-responses.js";

const DEFAULT_LIST_LIMIT = 100;

export function certificateEndpoints(context: ServiceContext): Endpoint[] {
  return [
    endpoint<z.infer<typeof IssueCertificateRequest>>({
      method: "post",
      path: "/v1/certificates",
      operationId: "issueCertificate",
      summary: "Issue a device identity certificate for a CSR",
      // A one-time bootstrap token may redeem itself here, and nowhere else.
      access: ["certificates:issue", "bootstrap-tokens:redeem"],
      idempotent: true,
      tags: ["certificates"],
      body: IssueCertificateRequest,
      responses: {
        201: {
          description:
            "Issued and recorded; or, for a retry with the same Idempotency-Key, caller and body within 24 hours, the first response (also for a bootstrap token used by that first request)",
          schema: IssuedCertificate,
        },
        400: badRequest,
        401: problem(
          "No, a bad, or an already used token (`token already used`; not for an idempotent retry of the request that used it)",
        ),
        413: tooLarge,
        422: idempotencyConflict,
        503: unavailable,
      },
      handle: async ({ body, principal, request }) => ({
        status: 201,
        body: await issueFromCsr(
          context,
          body,
          principal,
          idempotencyOf(request, "issueCertificate", principal, body),
        ),
      }),
    }),
    endpoint<z.infer<typeof IssueCredentialsRequest>>({
      method: "post",
      path: "/v1/credentials",
      operationId: "issueCredentials",
      summary: "Generate a device key and issue its certificate (for lines that inject keys)",
      access: "certificates:issue",
      idempotent: true,
      tags: ["certificates"],
      body: IssueCredentialsRequest,
      responses: {
        201: { description: "Issued and recorded; the key is not kept", schema: IssuedCredentials },
        400: badRequest,
        409: problem(
          "A retry with an Idempotency-Key that already issued credentials: the private key is never " +
            "stored, so it cannot be returned again; the detail and the member serialNumber name the serial number issued",
        ),
        413: tooLarge,
        422: idempotencyConflict,
        503: unavailable,
      },
      handle: async ({ body, principal, request, response }) => {
        // The private key must not linger in proxies or browser caches.
        response.setHeader("Cache-Control", "no-store");
        // The PFX password stays out of the stored fingerprint, where an unsalted hash could be
        // guessed offline; a retry never returns key material anyway (409), so it changes nothing.
        const { pfxPassword: _secret, ...fingerprinted } = body;
        const idempotency = idempotencyOf(request, "issueCredentials", principal, fingerprinted);
        return { status: 201, body: await issueCredentials(context, body, principal, idempotency) };
      },
    }),
    endpoint<undefined, z.infer<typeof SerialNumberParams>>({
      method: "get",
      path: "/v1/certificates/:serialNumber",
      operationId: "getCertificate",
      summary: "One issued certificate",
      access: "certificates:read",
      tags: ["certificates"],
      params: SerialNumberParams,
      responses: {
        200: { description: "The record", schema: CertificateRecord },
        400: badRequest,
        404: problem("No such certificate"),
      },
      handle: async ({ params }) => {
        const record = await context.store.findBySerialNumber(params.serialNumber);
        if (!record)
          throw new CaError("not_found", `no certificate has serial number ${params.serialNumber}`);
        return { status: 200, body: toWire(record) };
      },
    }),
    endpoint<undefined, z.infer<typeof DeviceIdParams>, z.infer<typeof ListQuery>>({
      method: "get",
      path: "/v1/devices/:deviceId/certificates",
      operationId: "listDeviceCertificates",
      summary: "A device's certificates, newest first",
      access: "certificates:read",
      tags: ["certificates"],
      params: DeviceIdParams,
      query: ListQuery,
      responses: { 200: { description: "Certificates", schema: CertificateList }, 400: badRequest },
      handle: async ({ params, query }) => {
        const records = await context.store.listByDevice(params.deviceId, {
          limit: query.limit ?? DEFAULT_LIST_LIMIT,
        });
        return { status: 200, body: { items: records.map(toWire) } };
      },
    }),
  ];
}

/** A stored record as the API shows it. */
export function toWire(record: StoredCertificate): CertificateRecord {
  return {
    serialNumber: record.serialNumber,
    deviceId: record.deviceId,
    profile: record.profile,
    subject: record.subject,
    status: record.status,
    notBefore: record.notBefore.toISOString(),
    notAfter: record.notAfter.toISOString(),
    issuedAt: record.issuedAt.toISOString(),
    requester: record.requester,
    keyAlgorithm: record.keyAlgorithm,
    sha256Fingerprint: record.sha256Fingerprint,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    revocationReason: record.revocationReason,
    certificatePem: x509.PemConverter.encode(record.der, "CERTIFICATE"),
  };
}
