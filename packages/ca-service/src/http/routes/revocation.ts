import type { Operations } from "@edge-pki/api-contract";
import { currentCrl } from "../../app/current-crl.js";
import { revokeCertificate } from "../../app/revoke-certificate.js";
import type { ServiceContext } from "../../app/service-context.js";
import type { CrlIssuer } from "../../ports/certificate-store.js";
import { withCurrentCa } from "../current-ca.js";
import type { Handlers } from "../handler.js";
import { renderCertificateRecord } from "../render/certificate-record.js";
import { crlPem } from "../render/pem.js";

export function revocationHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "revokeCertificate" | "getCrl" | "getCrlPem" | "getRootCrl" | "getRootCrlPem"> {
  return {
    revokeCertificate: async ({ body, params, principal }) => {
      const record = await revokeCertificate(await withCurrentCa(context), {
        serialNumber: params.serialNumber,
        reason: body.reason,
        principal,
      });
      return { body: renderCertificateRecord(record) };
    },
    getCrl: async () => ({ body: (await crlOf(context, "issuing-ca")).der }),
    getCrlPem: async () => ({ body: crlPem((await crlOf(context, "issuing-ca")).der) }),
    getRootCrl: async () => ({ body: (await crlOf(context, "root")).der }),
    getRootCrlPem: async () => ({ body: crlPem((await crlOf(context, "root")).der) }),
  };
}

async function crlOf(context: ServiceContext, issuer: CrlIssuer) {
  return currentCrl({ ...context, ca: await context.issuingCa.forCrls() }, issuer);
}
