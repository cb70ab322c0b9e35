import type { CertificateRecord, CertificateStore } from "../ports/certificate-store.js";

const DEFAULT_LIMIT = 100;

/** A device's certificates, newest first. */
export function listDeviceCertificates(
  deps: { store: Pick<CertificateStore, "listByDevice"> },
  request: { deviceId: string; limit?: number | undefined },
): Promise<CertificateRecord[]> {
  return deps.store.listByDevice(request.deviceId, { limit: request.limit ?? DEFAULT_LIMIT });
}
