import type { KeyObject } from "node:crypto";
import type { IssuedCertificate } from "@edge-pki/api-contract";
import { csrWithSubject, textCn } from "../forged-keys.js";
import { call, type TestService } from "../service.js";

/** A device with a certificate from the service, and the key that signs its renewal proofs. */
export interface EnrolledDevice {
  deviceId: string;
  serialNumber: string;
  fullChainPem: string;
  privateKey: KeyObject;
  keyPem: string;
}

/**
 * Enrols a device the quick way: a P-256 key and CSR made in-process (no openssl run), issued by
 * the admin. Fuzzing renewal needs a fresh certificate whenever a run renews one, since a
 * certificate renews only once.
 */
export async function enrolDevice(service: TestService, deviceId: string): Promise<EnrolledDevice> {
  const { csrPem, privateKey } = csrWithSubject(textCn(deviceId));
  const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
    token: service.adminToken,
    body: { csr: csrPem },
  });
  if (issued.status !== 201) throw new Error(`enrolling ${deviceId} failed: ${issued.status} ${issued.text}`);
  return {
    deviceId,
    serialNumber: issued.body.serialNumber,
    fullChainPem: issued.body.fullChainPem,
    privateKey,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
