import type { TLSSocket, TlsOptions } from "node:tls";
import type { Request } from "express";
import type { x509 } from "../../core/x509.js";

/**
 * TLS options that ask clients for a certificate without requiring one: operations that
 * authenticate with it refuse a request without one themselves, and every other operation goes on
 * as before. Our own CA certificates are named as acceptable issuers, so a client picks the right
 * certificate; the client-certificate authenticator verifies it again, with revocation.
 */
export function requestClientCertificates(caCertificates: readonly x509.X509Certificate[]): TlsOptions {
  return {
    requestCert: true,
    rejectUnauthorized: false,
    ca: caCertificates.map((certificate) => certificate.toString("pem")),
  };
}

/** The TLS client certificate of the request's connection, DER; undefined when none was presented. */
export function tlsPeerCertificate(request: Request): Uint8Array | undefined {
  const socket = request.socket as Partial<TLSSocket>;
  const raw = socket.encrypted ? socket.getPeerCertificate?.()?.raw : undefined;
  return raw === undefined ? undefined : new Uint8Array(raw);
}
