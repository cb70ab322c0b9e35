import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredential,
} from "@azure/identity";
import type { AzureCredentialSettings } from "../../../config/key-store-settings.js";

/** The emulator accepts any bearer token; one far from expiry so the SDK never refreshes it. */
const emulatorCredential: TokenCredential = {
  getToken: async () => ({ token: "edge-pki-emulator", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** The Azure credential the settings select; DefaultAzureCredential unless a client secret or certificate is configured. */
export function azureCredential(settings: AzureCredentialSettings): TokenCredential {
  switch (settings.kind) {
    case "client-secret":
      return new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret);
    case "client-certificate":
      return new ClientCertificateCredential(settings.tenantId, settings.clientId, settings.certificatePath);
    case "emulator":
      return emulatorCredential;
    case "default":
      return new DefaultAzureCredential({
        ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
        ...(settings.managedIdentityClientId
          ? { managedIdentityClientId: settings.managedIdentityClientId }
          : {}),
      });
  }
}
