import type { IssuedCredentials as WireCredentials } from "@edge-pki/api-contract";
import { buildPfx } from "@edge-pki/host-kit/pkcs";
import type { IssuedCredentials } from "../../app/issue-credentials.js";
import { x509 } from "../../core/x509.js";
import { renderIssuedCertificate } from "./issued-certificate.js";

/**
 * Credentials as the JSON API shows them: the certificate, the key as unencrypted PKCS#8 PEM (what
 * IoT Edge loads) and, when a password was given, a PKCS#12 file of both. The key bytes are zeroed
 * once rendered.
 */
export function renderCredentials(
  credentials: IssuedCredentials,
  deviceId: string,
  pfxPassword: string | undefined,
): WireCredentials {
  const { certificate, privateKeyPkcs8 } = credentials;
  try {
    const wire: WireCredentials = {
      ...renderIssuedCertificate(certificate),
      privateKeyPem: x509.PemConverter.encode(privateKeyPkcs8, "PRIVATE KEY"),
    };
    if (pfxPassword !== undefined) {
      const pfx = buildPfx({
        privateKeyPkcs8,
        certificates: [certificate.certificateDer, ...certificate.chainDer],
        password: pfxPassword,
        friendlyName: deviceId,
      });
      wire.pfxBase64 = Buffer.from(pfx).toString("base64");
    }
    return wire;
  } finally {
    privateKeyPkcs8.fill(0);
  }
}
