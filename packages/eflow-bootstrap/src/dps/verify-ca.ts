import { X509Certificate } from "node:crypto";
import { IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import type { TokenCredential } from "@azure/core-auth";
import type { EdgePkiClient } from "@edge-pki/client-sdk";
import { BootstrapError } from "../errors.js";

/** Where the DPS instance is in Azure Resource Manager. */
export interface DpsResource {
  subscriptionId: string;
  resourceGroup: string;
  dpsName: string;
  credential: TokenCredential;
  /** Another ARM endpoint (the emulator's), with the CA to trust for it. */
  endpoint?: string | undefined;
  caPem?: string | undefined;
}

export interface VerifyCaRequest {
  /** The CA certificate DPS should hold: `root` or `intermediate` of our CA. */
  issuer: "root" | "intermediate";
  /** Its name in DPS: alphanumerics and `-._`. */
  certificateName: string;
  /** An admin client of our CA: it gives the certificate and signs the verification certificate. */
  ca: EdgePkiClient;
  log?: (line: string) => void;
}

export interface VerifyCaResult {
  certificateName: string;
  thumbprint: string;
  /** True when DPS already held this certificate, verified: nothing was done. */
  alreadyVerified: boolean;
}

/**
 * Proof of possession, end to end: uploads the CA certificate to DPS through ARM, gets a
 * verification code, has the CA sign a verification certificate with CN = that code with the very
 * key (root or intermediate) being verified, and hands it to DPS, which marks the certificate
 * verified. No CA key ever leaves the CA. Idempotent: a certificate already uploaded and verified is
 * left as it is; another certificate under the name is replaced (with its etag) and verified.
 *
 * @example
 * ```ts
 * await verifyCa({ subscriptionId, resourceGroup: "iot", dpsName: "fleet-dps", credential: new DefaultAzureCredential() },
 *   { issuer: "root", certificateName: "edge-pki-root", ca: adminClient });
 * ```
 */
export async function verifyCa(resource: DpsResource, request: VerifyCaRequest): Promise<VerifyCaResult> {
  const log = request.log ?? (() => {});
  const arm = armClient(resource).dpsCertificate;
  const { resourceGroup: group, dpsName: dps } = resource;
  const info = await request.ca.getCa();
  const pem = request.issuer === "root" ? info.rootCertificatePem : info.intermediateCertificatePem;
  const certificate = new X509Certificate(pem);
  const thumbprint = certificate.fingerprint.replaceAll(":", "");
  try {
    const existing = await arm
      .get(request.certificateName, group, dps)
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode === 404) return undefined;
        throw error;
      });
    const same = existing?.properties?.thumbprint?.toUpperCase() === thumbprint.toUpperCase();
    if (same && existing?.properties?.isVerified === true) {
      log(`DPS already holds ${request.certificateName} (${thumbprint}), verified`);
      return { certificateName: request.certificateName, thumbprint, alreadyVerified: true };
    }
    const uploaded = same
      ? existing
      : await arm.createOrUpdate(
          group,
          dps,
          request.certificateName,
          { properties: { certificate: new Uint8Array(certificate.raw) } },
          existing?.etag === undefined ? {} : { ifMatch: existing.etag },
        );
    log(`uploaded the ${request.issuer} certificate as ${request.certificateName} (${thumbprint})`);
    const code = await arm.generateVerificationCode(
      request.certificateName,
      uploaded?.etag as string,
      group,
      dps,
    );
    const verificationCode = code.properties?.verificationCode;
    if (verificationCode === undefined) {
      throw new BootstrapError("dps_refused", "DPS answered without a verification code");
    }
    const signed = await request.ca.createVerificationCertificate(verificationCode, {
      issuer: request.issuer,
    });
    log(
      `the CA signed verification certificate ${signed.serialNumber} (CN = the code) with the ${request.issuer} key`,
    );
    const verified = await arm.verifyCertificate(request.certificateName, code.etag as string, group, dps, {
      certificate: signed.certificatePem,
    });
    if (verified.properties?.isVerified !== true) {
      throw new BootstrapError("dps_refused", `DPS did not mark ${request.certificateName} verified`);
    }
    log(`DPS marked ${request.certificateName} verified`);
    return { certificateName: request.certificateName, thumbprint, alreadyVerified: false };
  } catch (error) {
    if (error instanceof BootstrapError) throw error;
    const failure = error as { statusCode?: number; message?: string };
    if (failure.statusCode === undefined) throw error;
    throw new BootstrapError(
      "dps_refused",
      `DPS (ARM) refused: ${failure.message ?? "no message"} (${failure.statusCode})`,
      { cause: error },
    );
  }
}

/**
 * `@azure/arm-deviceprovisioningservices` 5.x, pinned: 6.x needs Node 22, and these operations are
 * the same in both.
 */
function armClient(resource: DpsResource): IotDpsClient {
  const options: ConstructorParameters<typeof IotDpsClient>[2] = {};
  if (resource.endpoint !== undefined) options.endpoint = resource.endpoint;
  if (resource.caPem !== undefined) {
    (options as { tlsOptions?: { ca: string } }).tlsOptions = { ca: resource.caPem };
  }
  return new IotDpsClient(resource.credential, resource.subscriptionId, options);
}
