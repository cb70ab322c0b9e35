import { createHash } from "node:crypto";
import type { CaInfo, Operations } from "@edge-pki/api-contract";
import type { ServiceContext } from "../../app/service-context.js";
import type { Handlers } from "../handler.js";
import { certificatePem } from "../render/pem.js";

/** Public CA material: what DPS enrollment groups and relying parties need to trust devices. */
export function caHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "getCa" | "getRootPem" | "getChainPem"> {
  const rootDer = new Uint8Array(context.ca.root.rawData);
  const root = certificatePem(rootDer);
  const intermediate = certificatePem(new Uint8Array(context.ca.certificate.rawData));
  const chain = `${intermediate}\n${root}\n`;
  const info: CaInfo = {
    rootCertificatePem: `${root}\n`,
    intermediateCertificatePem: `${intermediate}\n`,
    chainPem: chain,
    rootSha256Fingerprint: createHash("sha256").update(rootDer).digest("hex"),
    notAfter: context.ca.certificate.notAfter.toISOString(),
  };
  return {
    getCa: async () => ({ body: info }),
    getRootPem: async () => ({ body: info.rootCertificatePem }),
    getChainPem: async () => ({ body: chain }),
  };
}
