import type { CertificateRecord, IssuedCertificate } from "@edge-pki/api-contract";
import { openssl, type TempDir } from "./openssl.js";
import { type Answer, call } from "./service.js";

/** Issues a device certificate for a fresh openssl key; returns the API's answer and the key. */
export async function issueDevice(
  service: { url: string; adminToken: string },
  dir: TempDir,
  deviceId: string,
  csrPem: string,
  extra: Record<string, unknown> = {},
): Promise<IssuedCertificate> {
  const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
    token: service.adminToken,
    body: { csr: csrPem, ...extra },
  });
  if (issued.status !== 201) throw new Error(`issuing ${deviceId} failed: ${issued.status} ${issued.text}`);
  await dir.file(`${deviceId}.pem`, issued.body.certificatePem);
  return issued.body;
}

/** Asks the service, as its admin, to revoke a certificate; the answer, whatever it is. */
export function revoke(
  service: { url: string; adminToken: string },
  serialNumber: string,
  body: unknown,
): Promise<Answer<CertificateRecord>> {
  return call<CertificateRecord>(`${service.url}/v1/certificates/${serialNumber}/revoke`, {
    token: service.adminToken,
    body,
  });
}

/** The CRL the service serves now, written to a file, with what `openssl crl -text` says of it. */
export async function fetchCrl(
  serviceUrl: string,
  dir: TempDir,
  name: string,
): Promise<{ path: string; pem: string; text: string; crlNumber: number }> {
  const response = await call(`${serviceUrl}/v1/crl.pem`);
  if (response.status !== 200) throw new Error(`GET /v1/crl.pem failed: ${response.status} ${response.text}`);
  const path = await dir.file(name, response.text);
  const text = await openssl(["crl", "-in", path, "-noout", "-text"]);
  return { path, pem: response.text, text, crlNumber: crlNumberOf(text) };
}

function crlNumberOf(opensslText: string): number {
  const match = opensslText.match(/X509v3 CRL Number:\s*\n\s*(\d+)/);
  if (!match?.[1]) throw new Error(`no CRL number in:\n${opensslText}`);
  return Number(match[1]);
}

/** openssl prints serials in upper-case hex. */
export function opensslSerial(serialNumber: string): string {
  return serialNumber.toUpperCase();
}
