import { CaError } from "../../core/errors.js";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/;
/** Envoy's x-forwarded-client-cert: `By=…;Hash=…;Cert="<URL-encoded PEM>";…`. */
const XFCC_CERT = /(?:^|;)\s*Cert="?([^";,]+)"?/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The DER of a client certificate a TLS-terminating proxy forwarded in a header: URL-encoded PEM
 * (nginx's `$ssl_client_escaped_cert`, AWS ALB), plain PEM (with its line breaks folded into spaces
 * or tabs), base64 DER (Azure Application Gateway, IIS ARR), or Envoy's `Cert=` element. Which proxy
 * may forward one is the caller's decision; the certificate is verified like any other.
 */
export function forwardedCertificateDer(value: string): Uint8Array {
  let text = XFCC_CERT.exec(value)?.[1] ?? value;
  if (text.includes("%")) {
    try {
      text = decodeURIComponent(text);
    } catch (cause) {
      throw malformed(cause);
    }
  }
  const pem = PEM_CERTIFICATE.exec(text);
  const base64 = (pem ? (pem[1] ?? "") : text).replace(/\s+/g, "");
  if (!BASE64.test(base64)) throw malformed();
  return new Uint8Array(Buffer.from(base64, "base64"));
}

function malformed(cause?: unknown): CaError {
  return new CaError("forbidden", "the forwarded client certificate is not PEM or base64 DER", { cause });
}
