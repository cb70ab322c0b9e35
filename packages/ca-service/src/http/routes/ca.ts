import { createHash } from "node:crypto";
import { CaInfo } from "@edge-pki/api-contract";
import type { ServiceContext } from "../../app/service-context.js";
import { type Endpoint, endpoint } from "../endpoint.js";

const PEM = "application/x-pem-file";

/** Public CA material: what DPS enrollment groups and relying parties need to trust devices. */
export function caEndpoints(context: ServiceContext): Endpoint[] {
  const root = context.ca.root.toString("pem");
  const intermediate = context.ca.certificate.toString("pem");
  const chain = `${intermediate}\n${root}\n`;
  const info: CaInfo = {
    rootCertificatePem: `${root}\n`,
    intermediateCertificatePem: `${intermediate}\n`,
    chainPem: chain,
    rootSha256Fingerprint: createHash("sha256").update(new Uint8Array(context.ca.root.rawData)).digest("hex"),
    notAfter: context.ca.certificate.notAfter.toISOString(),
  };
  return [
    endpoint({
      method: "get",
      path: "/v1/ca",
      operationId: "getCa",
      summary: "The root and issuing certificates",
      access: "public",
      rateLimit: "public",
      tags: ["ca"],
      responses: { 200: { description: "CA certificates", schema: CaInfo } },
      handle: async () => ({ status: 200, body: info }),
    }),
    endpoint({
      method: "get",
      path: "/v1/ca/root.pem",
      operationId: "getRootPem",
      summary: "The root certificate, PEM (upload it to the DPS enrollment group)",
      access: "public",
      rateLimit: "public",
      tags: ["ca"],
      responses: { 200: { description: "Root certificate", contentType: PEM } },
      handle: async () => ({ status: 200, body: info.rootCertificatePem, contentType: PEM }),
    }),
    endpoint({
      method: "get",
      path: "/v1/ca/chain.pem",
      operationId: "getChainPem",
      summary: "The intermediate, then the root, PEM",
      access: "public",
      rateLimit: "public",
      tags: ["ca"],
      responses: { 200: { description: "CA chain", contentType: PEM } },
      handle: async () => ({ status: 200, body: chain, contentType: PEM }),
    }),
  ];
}
