import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@edge-pki/emulators";

export interface BenchVault {
  emulator: KeyVaultEmulator;
  /** The service's settings for it. */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

/** The Key Vault emulator in this process, on 127.0.0.1 port 0, its TLS certificate in a temp folder. */
export async function startBenchVault(): Promise<BenchVault> {
  const dir = await mkdtemp(join(tmpdir(), "edge-pki-bench-kv-"));
  const caFile = join(dir, "kv.pem");
  try {
    const emulator = await startKeyVaultEmulator({ certificatePath: caFile });
    return {
      emulator,
      settings: {
        EDGE_PKI_KEY_STORE: "keyvault",
        EDGE_PKI_KEYVAULT_URL: emulator.url,
        EDGE_PKI_KEYVAULT_CA_FILE: caFile,
        EDGE_PKI_KEYVAULT_EMULATOR: "true",
      },
      stop: async () => {
        await emulator.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
