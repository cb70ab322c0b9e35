import { readFile } from "node:fs/promises";
import type { KeyVaultSettings } from "../../../config/key-store-settings.js";
import type { KeyVaultMetrics } from "../../../ports/metrics.js";
import { azureCredential } from "./credential.js";
import { KeyVaultKeyStore } from "./key-vault-key-store.js";
import { createSdkClients } from "./sdk-clients.js";
import { type SdkClients, SdkKeyVaultClient } from "./sdk-key-vault-client.js";

/** The official clients for the configured vault: its credential, TLS trust and retry policy. */
export async function sdkClientsFor(settings: KeyVaultSettings): Promise<SdkClients> {
  return createSdkClients(settings.vaultUrl, azureCredential(settings.credential), {
    tlsCa: settings.caFile ? await readFile(settings.caFile, "utf8") : undefined,
    // Key Vault answers the first request with a challenge naming its resource (vault.azure.net);
    // only the emulator on 127.0.0.1 may skip the check that the vault's host belongs to it.
    disableChallengeResourceVerification: settings.emulator,
  });
}

/**
 * Builds the Key Vault key store from settings: credential, SDK clients, signing policy; its sign
 * calls are reported to `metrics` when given.
 */
export async function openKeyVaultKeyStore(
  settings: KeyVaultSettings,
  clients?: SdkClients,
  metrics?: KeyVaultMetrics,
): Promise<KeyVaultKeyStore> {
  return new KeyVaultKeyStore({
    client: new SdkKeyVaultClient(clients ?? (await sdkClientsFor(settings))),
    certificateNames: settings.certificateNames,
    hsm: settings.hsm,
    signing: settings.signing,
    maxConcurrentSigns: settings.maxConcurrentSigns,
    metrics,
  });
}
