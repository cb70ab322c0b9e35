import type { TokenCredential } from "@azure/core-auth";
import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import {
  type KeyVaultEmulator,
  type KeyVaultEmulatorOptions,
  startKeyVaultEmulator,
} from "@edge-pki/emulators";
import {
  KeyVaultKeyStore,
  type KeyVaultKeyStoreOptions,
} from "../../src/adapters/keys/azure-key-vault/key-vault-key-store.js";
import { createSdkClients } from "../../src/adapters/keys/azure-key-vault/sdk-clients.js";
import {
  SdkKeyVaultClient,
  type SdkKeyVaultClientOptions,
} from "../../src/adapters/keys/azure-key-vault/sdk-key-vault-client.js";
import type { ThrottleBackoff } from "../../src/adapters/keys/azure-key-vault/throttle-retry-policy.js";
import { type TempDir, tempDir } from "./openssl.js";

/** The emulator takes any token; expiry far enough out that the SDK never refreshes. */
export const credential: TokenCredential = {
  getToken: async () => ({ token: "test", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export interface TestVault {
  emulator: KeyVaultEmulator;
  /** Where the emulator's TLS certificate was written (EDGE_PKI_KEYVAULT_CA_FILE). */
  caFile: string;
  /** The official clients, configured for the emulator. */
  certificates: CertificateClient;
  keys: KeyClient;
  /** Settings that point the service at this emulator. */
  env(overrides?: Record<string, string>): Record<string, string>;
  /**
   * A KeyVaultKeyStore over the official clients, configured as the service configures them but
   * built here (not from settings). Certificate names not given derive from the root's:
   * `<root>-token` for the token-signing key. `backoff` and `callDeadlineMs` shorten the waits of
   * reads, creates and merges for tests of throttling.
   */
  keyStore(options?: TestKeyStoreOptions): KeyVaultKeyStore;
  stop(): Promise<void>;
}

export type TestKeyStoreOptions = Partial<Omit<KeyVaultKeyStoreOptions, "certificateNames" | "client">> &
  SdkKeyVaultClientOptions & {
    certificateNames?: Partial<KeyVaultKeyStoreOptions["certificateNames"]>;
    backoff?: ThrottleBackoff;
  };

/** Starts the Key Vault emulator on 127.0.0.1 with the official SDK clients pointed at it. */
export async function startTestVault(options: KeyVaultEmulatorOptions = {}): Promise<TestVault> {
  const dir: TempDir = await tempDir("edge-pki-kv-");
  const caFile = `${dir.path}/kv.pem`;
  const emulator = await startKeyVaultEmulator({ ...options, certificatePath: caFile });
  const pipeline = {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emulator.caCertificatePem },
  };
  const keys = new KeyClient(emulator.url, credential, pipeline);
  const certificates = new CertificateClient(emulator.url, credential, pipeline);
  return {
    emulator,
    caFile,
    certificates,
    keys,
    env: (overrides = {}) => ({
      EDGE_PKI_KEY_STORE: "keyvault",
      EDGE_PKI_KEYVAULT_URL: emulator.url,
      EDGE_PKI_KEYVAULT_CA_FILE: caFile,
      EDGE_PKI_KEYVAULT_EMULATOR: "true",
      ...overrides,
    }),
    keyStore: ({ certificateNames = {}, backoff, callDeadlineMs, ...storeOptions } = {}) => {
      const root = certificateNames.root ?? "edge-pki-root";
      const clients = createSdkClients(emulator.url, credential, {
        tlsCa: emulator.caCertificatePem,
        disableChallengeResourceVerification: true,
        backoff,
      });
      return new KeyVaultKeyStore({
        client: new SdkKeyVaultClient(clients, { callDeadlineMs }),
        hsm: false,
        ...storeOptions,
        certificateNames: {
          root,
          intermediate: certificateNames.intermediate ?? "edge-pki-intermediate",
          "token-signing": certificateNames["token-signing"] ?? `${root}-token`,
        },
      });
    },
    stop: async () => {
      await emulator.stop();
      await dir.remove();
    },
  };
}
