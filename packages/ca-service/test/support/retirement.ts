import { X509Certificate } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { CaInfo, IssuedCertificate } from "@edge-pki/api-contract";
import { runCli } from "./cli.js";
import { issueDevice } from "./crl.js";
import { opensslCsr, opensslStatus, type TempDir } from "./openssl.js";
import { renewalProof } from "./renewal-proof.js";
import { call } from "./service.js";

/** `edge-pki-ca intermediate retire …`, run as an operator would (the built CLI). */
export function retireWithCli(args: string[], env: Record<string, string>) {
  return runCli(["intermediate", "retire", ...args], env);
}

/** The serial number of a PEM certificate, in lower-case hex as the API writes it. */
export function serialOfPem(pem: string): string {
  return new X509Certificate(pem).serialNumber.toLowerCase();
}

/** What `GET /v1/ca` serves now. */
export async function servedCa(serviceUrl: string): Promise<CaInfo> {
  const ca = await call<CaInfo>(`${serviceUrl}/v1/ca`);
  if (ca.status !== 200) throw new Error(`GET /v1/ca failed: ${ca.status} ${ca.text}`);
  return ca.body;
}

/**
 * Waits, within a bound, until the service serves an intermediate other than `retiredSerial` (a
 * replica re-reads the root's CRL every two seconds), and returns what it serves then.
 */
export async function successorServedBy(serviceUrl: string, retiredSerial: string): Promise<CaInfo> {
  let served = await call<CaInfo>(`${serviceUrl}/v1/ca`);
  for (let attempt = 0; attempt < 60 && !isSuccessor(served, retiredSerial); attempt++) {
    await sleep(200);
    served = await call<CaInfo>(`${serviceUrl}/v1/ca`);
  }
  if (!isSuccessor(served, retiredSerial)) {
    throw new Error(
      `${serviceUrl} still serves intermediate ${retiredSerial}: ${served.status} ${served.text}`,
    );
  }
  return served.body;
}

function isSuccessor(served: { status: number; body: CaInfo }, retiredSerial: string): boolean {
  return served.status === 200 && serialOfPem(served.body.intermediateCertificatePem) !== retiredSerial;
}

/** A device key made by openssl and its certificate, issued by the service's admin. */
export async function enrolledDevice(
  service: { url: string; adminToken: string },
  dir: TempDir,
  deviceId: string,
): Promise<{ issued: IssuedCertificate; keyPem: string; leafPath: string }> {
  const { csrPem, keyPem } = await opensslCsr(dir, `/CN=${deviceId}`);
  const issued = await issueDevice(service, dir, deviceId, csrPem);
  return { issued, keyPem, leafPath: `${dir.path}/${deviceId}.pem` };
}

/** A renewal onto a new openssl key, proved with the device's current key and chain. */
export async function renewDevice(
  serviceUrl: string,
  dir: TempDir,
  device: { issued: IssuedCertificate; keyPem: string },
) {
  const { csrPem } = await opensslCsr(dir, `/CN=${device.issued.deviceId}`);
  const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.issued.fullChainPem, csrPem });
  return call<IssuedCertificate>(`${serviceUrl}/v1/certificates/renew`, { body: { csr: csrPem, proof } });
}

/** `openssl verify -crl_check_all`: every certificate of the chain checked against its CA's CRL. */
export async function verifyWithCrls(
  dir: TempDir,
  chain: { rootPem: string; intermediatePem: string; leafPath: string; crlPems: string[] },
) {
  const stem = `${Math.random().toString(36).slice(2)}`;
  const crls = await Promise.all(
    chain.crlPems.map((pem, index) => dir.file(`${stem}-${index}.crl.pem`, pem)),
  );
  return opensslStatus([
    "verify",
    "-crl_check_all",
    ...crls.flatMap((path) => ["-CRLfile", path]),
    "-CAfile",
    await dir.file(`${stem}-root.pem`, chain.rootPem),
    "-untrusted",
    await dir.file(`${stem}-intermediate.pem`, chain.intermediatePem),
    chain.leafPath,
  ]);
}

/** The two CRLs as the service serves them now: the issuing CA's and the root's, PEM. */
export async function servedCrls(serviceUrl: string): Promise<{ issuing: string; root: string }> {
  const [issuing, root] = await Promise.all([
    call(`${serviceUrl}/v1/crl.pem`),
    call(`${serviceUrl}/v1/ca/crl.pem`),
  ]);
  if (issuing.status !== 200 || root.status !== 200) {
    throw new Error(
      `fetching the CRLs failed: ${issuing.status} ${issuing.text}; ${root.status} ${root.text}`,
    );
  }
  return { issuing: issuing.text, root: root.text };
}
