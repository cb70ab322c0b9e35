import type { Operations } from "@edge-pki/api-contract";
import { findCertificate } from "../../app/find-certificate.js";
import { issueCredentials } from "../../app/issue-credentials.js";
import { issueFromCsr } from "../../app/issue-from-csr.js";
import { listDeviceCertificates } from "../../app/list-device-certificates.js";
import type { ServiceContext } from "../../app/service-context.js";
import { withCurrentCa } from "../current-ca.js";
import type { Handlers } from "../handler.js";
import { idempotencyOf } from "../idempotency-key.js";
import { renderCertificateRecord } from "../render/certificate-record.js";
import { renderCredentials } from "../render/credentials.js";
import { renderIssuedCertificate } from "../render/issued-certificate.js";

export function certificateHandlers(
  context: ServiceContext,
): Pick<
  Handlers<Operations>,
  "issueCertificate" | "issueCredentials" | "getCertificate" | "listDeviceCertificates"
> {
  return {
    issueCertificate: async ({ body, principal, request }) => {
      const issued = await issueFromCsr(await withCurrentCa(context), {
        ...body,
        principal,
        idempotency: idempotencyOf(request, "issueCertificate", principal, body),
      });
      return { body: renderIssuedCertificate(issued) };
    },
    issueCredentials: async ({ body, principal, request }) => {
      // The PFX password stays out of the stored fingerprint, where an unsalted hash could be
      // guessed offline; a retry never returns key material anyway (409), so it changes nothing.
      const { pfxPassword, ...fingerprinted } = body;
      const credentials = await issueCredentials(await withCurrentCa(context), {
        ...fingerprinted,
        principal,
        idempotency: idempotencyOf(request, "issueCredentials", principal, fingerprinted),
      });
      return {
        body: renderCredentials(credentials, body.deviceId, pfxPassword),
        // The private key must not linger in proxies or browser caches.
        headers: { "Cache-Control": "no-store" },
      };
    },
    getCertificate: async ({ params }) => ({
      body: renderCertificateRecord(await findCertificate(context, params.serialNumber)),
    }),
    listDeviceCertificates: async ({ params, query }) => {
      const records = await listDeviceCertificates(context, {
        deviceId: params.deviceId,
        limit: query.limit,
      });
      return { body: { items: records.map(renderCertificateRecord) } };
    },
  };
}
