import type { IssuingCa } from "./device-certificate.js";
import type { EstProfile } from "./est-enrollment.js";
import type { KeyAlgorithm } from "./key-algorithms.js";
import {
  commonNameOnly,
  type DeviceExtensionsRequest,
  edgeCaExtensions,
  estIdentityExtensions,
  subjectKeyIdOf,
} from "./profiles.js";
import { signCertificate } from "./sign-certificate.js";
import type { Validity } from "./validity.js";
import type { x509 } from "./x509.js";

const EXTENSIONS: Record<
  Exclude<EstProfile, "device">,
  (request: DeviceExtensionsRequest) => Promise<x509.Extension[]>
> = {
  "est-identity": estIdentityExtensions,
  "edge-ca": edgeCaExtensions,
};

export interface EstCertificateRequest {
  ca: IssuingCa;
  profile: Exclude<EstProfile, "device">;
  commonName: string;
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  validity: Validity;
  serialNumber: string;
  crlDistributionPoint: string | undefined;
}

/**
 * An EST identity or an Edge CA, on the general path (device identities take the hot path): the
 * subject is `CN=<commonName>` alone and the extensions are the profile's, whatever else the CSR asked.
 */
export async function signEstCertificate(request: EstCertificateRequest): Promise<x509.X509Certificate> {
  return signCertificate({
    signer: request.ca.signer,
    issuer: request.ca.certificate.subjectName,
    subject: commonNameOnly(request.commonName),
    publicKeySpki: request.publicKeySpki,
    serialNumber: request.serialNumber,
    notBefore: request.validity.notBefore,
    notAfter: request.validity.notAfter,
    extensions: await EXTENSIONS[request.profile]({
      publicKeySpki: request.publicKeySpki,
      keyAlgorithm: request.keyAlgorithm,
      issuerKeyId: subjectKeyIdOf(request.ca.certificate),
      crlDistributionPoint: request.crlDistributionPoint,
    }),
  });
}
