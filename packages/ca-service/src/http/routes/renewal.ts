import type { Operations } from "@edge-pki/api-contract";
import { renewCertificate } from "../../app/renew-certificate.js";
import type { ServiceContext } from "../../app/service-context.js";
import { CaError } from "../../core/errors.js";
import { withCurrentCa } from "../current-ca.js";
import type { Handlers } from "../handler.js";
import { renderIssuedCertificate } from "../render/issued-certificate.js";

export function renewalHandlers(context: ServiceContext): Pick<Handlers<Operations>, "renewCertificate"> {
  return {
    renewCertificate: async ({ body, principal }) => {
      // Proof-of-possession authentication verified the proof and named the device.
      const proof = principal.holder?.proof;
      if (proof === undefined) throw new CaError("internal", "renewal was reached without a verified proof");
      const deps = {
        ...(await withCurrentCa(context)),
        retiredIntermediates: await context.issuingCa.retired(),
      };
      const issued = await renewCertificate(deps, { csr: body.csr, deviceId: principal.subject, proof });
      return { body: renderIssuedCertificate(issued) };
    },
  };
}
