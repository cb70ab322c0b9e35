import { createHash } from "node:crypto";
import type { CaInfo, Operations } from "@edge-pki/api-contract";
import type { ServiceContext } from "../../app/service-context.js";
import type { IssuingCa } from "../../core/device-certificate.js";
import type { Handlers } from "../handler.js";
import { certificatePem } from "../render/pem.js";

/**
 * Public CA material: what DPS enrollment groups and relying parties need to trust devices. Read
 * per request: after a retirement it is the successor's chain. The root alone never changes.
 */
export function caHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "getCa" | "getRootPem" | "getChainPem"> {
  const rootDer = new Uint8Array(context.issuingCa.root.rawData);
  const root = `${certificatePem(rootDer)}\n`;
  const rootSha256Fingerprint = createHash("sha256").update(rootDer).digest("hex");
  const infoOf = (ca: IssuingCa): CaInfo => {
    const intermediate = `${certificatePem(new Uint8Array(ca.certificate.rawData))}\n`;
    return {
      rootCertificatePem: root,
      intermediateCertificatePem: intermediate,
      chainPem: `${intermediate}${root}`,
      rootSha256Fingerprint,
      notAfter: ca.certificate.notAfter.toISOString(),
    };
  };
  return {
    getCa: async () => ({ body: infoOf(await context.issuingCa.current()) }),
    getRootPem: async () => ({ body: root }),
    getChainPem: async () => ({ body: infoOf(await context.issuingCa.current()).chainPem }),
  };
}
