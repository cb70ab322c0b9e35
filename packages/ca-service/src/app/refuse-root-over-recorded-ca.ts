import { CaError } from "../core/errors.js";
import type { CertificateStore } from "../ports/certificate-store.js";

export interface RootContinuityCheck {
  store: Pick<CertificateStore, "listByProfile">;
  /**
   * Whether the configured key store holds a root certificate, found without creating anything;
   * undefined when that cannot be told yet (local keys whose passphrase is missing: opening the
   * key store says so).
   */
  holdsRoot: () => Promise<boolean | undefined>;
  /** Where the key store is, for the message: "the data folder /srv/pki", "Key Vault https://…". */
  keyStoreLocation: string;
}

/**
 * Runs before init (and start) may create a root: a database that already records a root was
 * made with a key store that holds it. When the configured key store holds no root, it is the wrong
 * one (another vault, another data folder, keys lost): a new root would orphan every certificate
 * the database records and every device that trusts the old one, so nothing is created.
 */
export async function refuseRootOverRecordedCa(check: RootContinuityCheck): Promise<void> {
  const [recorded] = await check.store.listByProfile("root", { limit: 1 });
  if (recorded === undefined) return;
  if ((await check.holdsRoot()) !== false) return;
  throw new CaError(
    "ca_material_invalid",
    `the database already records the CA root ${recorded.subject} (serial ${recorded.serialNumber}) but ${check.keyStoreLocation} holds no CA: point the service at the key store that holds that root (EDGE_PKI_KEY_STORE, EDGE_PKI_KEYVAULT_URL or EDGE_PKI_DATA_DIR), or at a new database for a new CA; nothing was created`,
  );
}
