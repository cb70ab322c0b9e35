import { CaError } from "../core/errors.js";
import type { CertificateRecord, CertificateStore } from "../ports/certificate-store.js";

/** One certificate the CA signed, by its (lowercase hexadecimal) serial number. */
export async function findCertificate(
  deps: { store: Pick<CertificateStore, "findBySerialNumber"> },
  serialNumber: string,
): Promise<CertificateRecord> {
  const record = await deps.store.findBySerialNumber(serialNumber);
  if (!record) throw new CaError("not_found", `no certificate has serial number ${serialNumber}`);
  return record;
}
