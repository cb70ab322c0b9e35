import type { Request } from "express";
import { type RecognitionDeps, recogniseDeviceCertificate } from "../../app/recognise-device-certificate.js";
import { CaError } from "../../core/errors.js";
import { isFromTrustedProxy, type TrustedProxies } from "../trusted-proxies.js";
import type { Authenticator } from "./authenticator.js";
import { forwardedCertificateDer } from "./forwarded-client-certificate.js";
import { tlsPeerCertificate } from "./tls-client-certificates.js";

/** A TLS-terminating proxy that forwards the client certificate it verified, in a header. */
export interface CertificateForwarding {
  proxies: TrustedProxies;
  /** Lower case, as Node presents header names. */
  header: string;
}

export interface ClientCertificateDeps extends RecognitionDeps {
  /** Undefined (the default): forwarded certificates are never looked at. */
  forwarding: CertificateForwarding | undefined;
}

/**
 * A device certificate this CA issued, presented as the TLS client certificate (the listener asks
 * for one when EDGE_PKI_TLS_CLIENT_CERTIFICATES=request) or, from a trusted proxy only, forwarded
 * in the configured header. Either way it is verified here against our intermediate and our records.
 */
export function clientCertificateAuthenticator(deps: ClientCertificateDeps): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    failureDetails: () => undefined,
    authenticate: async (request) =>
      recogniseDeviceCertificate(deps, presentedCertificate(request, deps.forwarding)),
  };
}

function presentedCertificate(request: Request, forwarding: CertificateForwarding | undefined): Uint8Array {
  if (forwarding !== undefined && isFromTrustedProxy(request, forwarding.proxies)) {
    // Behind the proxy, the TLS peer is the proxy itself: only the header speaks for the client.
    const value = request.headers[forwarding.header];
    if (typeof value === "string" && value.trim() !== "") return forwardedCertificateDer(value);
    throw missing();
  }
  const der = tlsPeerCertificate(request);
  if (der === undefined) throw missing();
  return der;
}

function missing(): CaError {
  return new CaError("forbidden", "this operation needs a TLS client certificate issued by this CA");
}
