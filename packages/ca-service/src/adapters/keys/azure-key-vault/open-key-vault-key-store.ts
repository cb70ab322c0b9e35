import { readFile } from "node:fs/promises";
import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import type { KeyVaultSettings } from "../../../config/key-store-settings.js";
import { azureCredential } from "./credential.js";
import { KeyVaultKeyStore } from "./key-vault-key-store.js";
import { SdkKeyVaultClient } from "./sdk-key-vault-client.js";

/** Builds the Key Vault key store from settings: credential, SDK clients, signing policy. */
export async function openKeyVaultKeyStore(settings: KeyVaultSettings): Promise<KeyVaultKeyStore> {
  const credential = azureCredential(settings.credential);
  const options = {
    ...(settings.caFile ? { tlsOptions: { ca: await readFile(settings.caFile, "utf8") } } : {}),
    // Key Vault answers the first request with a challenge naming its resource (vault.azure.net);
    // only the emulator on 127.0.0.1 may skip the check that the vault's host belongs to it.
    ...(settings.emulator ? { disableChallengeResourceVerification: true } : {}),
  };
  const client = new SdkKeyVaultClient({
    keys: new KeyClient(settings.vaultUrl, credential, options),
    unretried: new KeyClient(settings.vaultUrl, credential, { ...options, retryOptions: { maxRetries: 0 } }),
    certificates: new CertificateClient(settings.vaultUrl, credential, options),
  });
  return new KeyVaultKeyStore({
    client,
    certificateNames: settings.certificateNames,
    hsm: settings.hsm,
    signing: settings.signing,
    maxConcurrentSigns: settings.maxConcurrentSigns,
  });
}
