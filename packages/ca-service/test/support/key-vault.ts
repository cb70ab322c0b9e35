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
  /** The KeyVaultClient port over the official clients, as `keyStore` uses it (to wrap, in tests of crashes). */
  client(options?: TestClientOptions): SdkKeyVaultClient;
  stop(): Promise<void>;
}

export type TestClientOptions = SdkKeyVaultClientOptions & { backoff?: ThrottleBackoff };

export type TestKeyStoreOptions = Partial<Omit<KeyVaultKeyStoreOptions, "certificateNames" | "client">> &
  TestClientOptions & {
    certificateNames?: Partial<KeyVaultKeyStoreOptions["certificateNames"]>;
  };

/** Certificate names from a root name: `<root>-issuing`, `<root>-token`, unless given. */
export function certificateNamesOf(
  names: Partial<KeyVaultKeyStoreOptions["certificateNames"]> = {},
): KeyVaultKeyStoreOptions["certificateNames"] {
  const root = names.root ?? "edge-pki-root";
  return {
    root,
    intermediate: names.intermediate ?? "edge-pki-intermediate",
    "token-signing": names["token-signing"] ?? `${root}-token`,
  };
}

/** Starts the Key Vault emulator on 127.0.0.1 with the official SDK clients pointed at it. */
export async function startTestVault(options: KeyVaultEmulatorOptions = {}): Promise<TestVault> {
  const dir: TempDir = await tempDir("edge-pki-kv-");
  const caFile = `${dir.path}/kv.pem`;
  const emulator = await startKeyVaultEmulator({ ...options, certificatePath: caFile });
  const pipeline = {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emulator.caCertificatePem },
  };
  const client = ({ backoff, callDeadlineMs }: TestClientOptions = {}) =>
    new SdkKeyVaultClient(
      createSdkClients(emulator.url, credential, {
        tlsCa: emulator.caCertificatePem,
        disableChallengeResourceVerification: true,
        backoff,
      }),
      { callDeadlineMs },
    );
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
    client,
    keyStore: ({ certificateNames, backoff, callDeadlineMs, ...storeOptions } = {}) =>
      new KeyVaultKeyStore({
        client: client({ backoff, callDeadlineMs }),
        hsm: false,
        ...storeOptions,
        certificateNames: certificateNamesOf(certificateNames),
      }),
    stop: async () => {
      await emulator.stop();
      await dir.remove();
    },
  };
}
