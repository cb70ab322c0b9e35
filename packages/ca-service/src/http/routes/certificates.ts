import {
  CertificateList,
  CertificateRecord,
  DeviceIdParams,
  IssueCertificateRequest,
  IssueCredentialsRequest,
  IssuedCertificate,
  IssuedCredentials,
  ListQuery,
  Problem,
  SerialNumberParams,
} from "@edge-pki/api-contract";
import type { z } from "zod";
import { issueCredentials } from "../../app/issue-credentials.js";
import { issueFromCsr } from "../../app/issue-from-csr.js";
import type { ServiceContext } from "../../app/service-context.js";
import { CaError } from "../../core/errors.js";
import { x509 } from "../../core/x509.js";
import type { CertificateRecord as StoredCertificate } from "../../ports/certificate-store.js";
import { type Endpoint, type EndpointResponse, endpoint } from "../endpoint.js";
import { requesterOf } from "../requester.js";

export const PROBLEM = "application/problem+json";
export const badRequest: EndpointResponse = {
  description: "Invalid input",
  schema: Problem,
  contentType: PROBLEM,
};
export const tooLarge: EndpointResponse = {
  description: "Body over 64 KiB",
  schema: Problem,
  contentType: PROBLEM,
};
export const unavailable: EndpointResponse = {
  description: "Signing or recording failed; nothing was issued",
  schema: Problem,
  contentType: PROBLEM,
};
const DEFAULT_LIST_LIMIT = 100;

export function certificateEndpoints(context: ServiceContext): Endpoint[] {
  return [
    endpoint<z.infer<typeof IssueCertificateRequest>>({
      method: "post",
      path: "/v1/certificates",
      operationId: "issueCertificate",
      summary: "Issue a device identity certificate for a CSR",
      access: "certificates:issue",
      tags: ["certificates"],
      body: IssueCertificateRequest,
      responses: {
        201: { description: "Issued and recorded", schema: IssuedCertificate },
        400: badRequest,
        413: tooLarge,
        503: unavailable,
      },
      handle: async ({ body, request }) => ({
        status: 201,
        body: await issueFromCsr(context, body, requesterOf(request)),
      }),
    }),
    endpoint<z.infer<typeof IssueCredentialsRequest>>({
      method: "post",
      path: "/v1/credentials",
      operationId: "issueCredentials",
      summary: "Generate a device key and issue its certificate (for lines that inject keys)",
      access: "certificates:issue",
      tags: ["certificates"],
      body: IssueCredentialsRequest,
      responses: {
        201: { description: "Issued and recorded; the key is not kept", schema: IssuedCredentials },
        400: badRequest,
        413: tooLarge,
        503: unavailable,
      },
      handle: async ({ body, request, response }) => {
        // The private key must not linger in proxies or browser caches.
        response.setHeader("Cache-Control", "no-store");
        return { status: 201, body: await issueCredentials(context, body, requesterOf(request)) };
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
        404: { description: "No such certificate", schema: Problem, contentType: PROBLEM },
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
