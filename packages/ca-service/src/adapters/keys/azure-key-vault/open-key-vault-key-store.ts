import { readFile } from "node:fs/promises";
import type { KeyVaultSettings } from "../../../config/key-store-settings.js";
import { azureCredential } from "./credential.js";
import { KeyVaultKeyStore } from "./key-vault-key-store.js";
import { createSdkClients } from "./sdk-clients.js";
import { SdkKeyVaultClient } from "./sdk-key-vault-client.js";

/** Builds the Key Vault key store from settings: credential, SDK clients, signing policy. */
export async function openKeyVaultKeyStore(settings: KeyVaultSettings): Promise<KeyVaultKeyStore> {
  const clients = createSdkClients(settings.vaultUrl, azureCredential(settings.credential), {
    tlsCa: settings.caFile ? await readFile(settings.caFile, "utf8") : undefined,
    // Key Vault answers the first request with a challenge naming its resource (vault.azure.net);
    // only the emulator on 127.0.0.1 may skip the check that the vault's host belongs to it.
    disableChallengeResourceVerification: settings.emulator,
  });
  const client = new SdkKeyVaultClient(clients);
  return new KeyVaultKeyStore({
    client,
    certificateNames: settings.certificateNames,
    hsm: settings.hsm,
    signing: settings.signing,
    maxConcurrentSigns: settings.maxConcurrentSigns,
  });
}
