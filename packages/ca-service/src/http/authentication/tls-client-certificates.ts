import type { TlsOptions } from "node:tls";
import type { IssuingCa } from "../../core/device-certificate.js";

/**
 * TLS options that ask clients for a certificate without requiring one: operations that
 * authenticate with it refuse a request without one themselves, and every other operation goes on
 * as before. Our own CA certificates are named as acceptable issuers, so a client picks the right
 * certificate; the client-certificate authenticator verifies it again, with revocation.
 */
export function requestClientCertificates(ca: Pick<IssuingCa, "certificate" | "root">): TlsOptions {
  return {
    requestCert: true,
    rejectUnauthorized: false,
    ca: [ca.certificate.toString("pem"), ca.root.toString("pem")],
  };
}
