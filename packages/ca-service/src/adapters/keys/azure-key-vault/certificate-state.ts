import type { KeyVaultClient, VaultCertificate, VaultOperation } from "./key-vault-client.js";

/**
 * The tag of a key placeholder: the `Self` version init creates first so that the CA's key exists,
 * enabled, before its certificate does (see `key-vault-key-store.ts`). Tags belong to a version,
 * so the certificate merged later carries none.
 */
export const KEY_PLACEHOLDER_TAGS: Readonly<Record<string, string>> = { "edge-pki": "key-placeholder" };

export const isKeyPlaceholder = (certificate: VaultCertificate): boolean =>
  certificate.tags["edge-pki"] === KEY_PLACEHOLDER_TAGS["edge-pki"];

/** What the vault holds under one certificate name, as far as the CA is concerned. */
export type CertificateState =
  | { kind: "absent" }
  /** A completed version that is the CA's certificate: merged by init, adopted, or made by an older init. */
  | { kind: "certified"; certificate: VaultCertificate }
  /**
   * Only the key placeholder is completed: its key signs. `operation` is the version under way that
   * will certify the same key, when init got that far.
   */
  | { kind: "placeholder"; placeholder: VaultCertificate; operation: VaultOperation | undefined }
  /**
   * No completed version, an operation in progress: what an init from before the placeholder left
   * when it stopped half-way. The pending key is disabled: it cannot sign until merged.
   */
  | { kind: "pending"; operation: VaultOperation };

/**
 * Reads the state of one certificate. A placeholder that Key Vault is still signing (init stopped
 * while it worked) is waited for, so callers never see a `Self` operation in progress.
 */
export async function readCertificateState(client: KeyVaultClient, name: string): Promise<CertificateState> {
  const state = await readOnce(client, name);
  if (state.kind !== "pending" || state.operation.issuer.toLowerCase() !== "self") return state;
  await client.waitForOperation(name);
  return readOnce(client, name);
}

async function readOnce(client: KeyVaultClient, name: string): Promise<CertificateState> {
  const completed = await client.getCertificate(name);
  if (completed && !isKeyPlaceholder(completed)) return { kind: "certified", certificate: completed };
  const operation = await client.getPendingOperation(name);
  if (completed) return { kind: "placeholder", placeholder: completed, operation };
  return operation ? { kind: "pending", operation } : { kind: "absent" };
}
