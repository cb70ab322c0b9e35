import type { Operations } from "@edge-pki/api-contract";
import { issueVerificationCertificate } from "../../app/issue-verification-certificate.js";
import type { ServiceContext } from "../../app/service-context.js";
import { withCurrentCa } from "../current-ca.js";
import type { Handlers } from "../handler.js";
import { certificatePem } from "../render/pem.js";

/** Proof of possession of a CA key for DPS and IoT Hub. */
export function verificationHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "createVerificationCertificate"> {
  return {
    createVerificationCertificate: async ({ body, principal }) => {
      const issued = await issueVerificationCertificate(await withCurrentCa(context), { ...body, principal });
      return {
        body: {
          serialNumber: issued.serialNumber,
          verificationCode: issued.verificationCode,
          issuer: issued.issuer,
          certificatePem: `${certificatePem(issued.certificateDer)}\n`,
          notBefore: issued.notBefore.toISOString(),
          notAfter: issued.notAfter.toISOString(),
        },
      };
    },
  };
}
