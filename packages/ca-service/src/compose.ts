import { mkdir } from "node:fs/promises";
import { openKeyVaultKeyStore } from "./adapters/keys/azure-key-vault/open-key-vault-key-store.js";
import { LocalFileKeyStore } from "./adapters/keys/local-file-key-store.js";
import { resolvePassphrase } from "./adapters/keys/passphrase.js";
import { openPostgresStore, openSqliteStore } from "./adapters/store/open-store.js";
import { type InitCaResult, initCa } from "./app/init-ca.js";
import { loadIssuingCa } from "./app/load-issuing-ca.js";
import type { ServiceContext } from "./app/service-context.js";
import type { Config } from "./config/config.js";
import type { Logger } from "./logger.js";
import type { CaKeyStore } from "./ports/ca-key-store.js";
import type { CertificateStore } from "./ports/certificate-store.js";
import { type Clock, type RandomBytes, secureRandom, systemClock } from "./ports/clock.js";

export interface Runtime {
  config: Config;
  logger: Logger;
  clock?: Clock;
  random?: RandomBytes;
}

/** Key stores by kind: an explicit map, not registration by import side effect. */
const keyStoreFactories: Record<Config["keyStore"]["kind"], (runtime: Runtime) => Promise<CaKeyStore>> = {
  local: async ({ config, logger }) => {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const { passphrase, generatedAt } = await resolvePassphrase(config.dataDir, config.keyPassphrase);
    if (generatedAt !== undefined) {
      logger.warn(
        "EDGE_PKI_KEY_PASSPHRASE is not set: generated a random passphrase for the CA keys; keep it with the data folder, or set EDGE_PKI_KEY_PASSPHRASE",
        { passphraseFile: generatedAt },
      );
    }
    return new LocalFileKeyStore(config.dataDir, passphrase);
  },
  keyvault: ({ config }) => {
    if (config.keyStore.kind !== "keyvault") throw new Error("Key Vault settings missing");
    return openKeyVaultKeyStore(config.keyStore);
  },
};

const storeFactories: Record<Config["store"]["kind"], (config: Config) => Promise<CertificateStore>> = {
  sqlite: (config) => openSqliteStore(config.store.kind === "sqlite" ? config.store.path : ""),
  postgres: (config) => openPostgresStore(config.store.kind === "postgres" ? config.store.url : ""),
};

export function openKeyStore(runtime: Runtime): Promise<CaKeyStore> {
  return keyStoreFactories[runtime.config.keyStore.kind](runtime);
}

/** Creates the missing parts of the CA; never overwrites existing material. */
export async function initialiseCa(runtime: Runtime, keyStore: CaKeyStore): Promise<InitCaResult> {
  const { ca } = runtime.config;
  return initCa({
    keyStore,
    clock: runtime.clock ?? systemClock,
    random: runtime.random ?? secureRandom,
    keyAlgorithm: ca.keyAlgorithm,
    name: ca.name,
    rootValidityDays: ca.rootValidityDays,
    intermediateValidityDays: ca.intermediateValidityDays,
  });
}

/** The composition root: config → adapters → core. */
export async function openServiceContext(runtime: Runtime, keyStore: CaKeyStore): Promise<ServiceContext> {
  const clock = runtime.clock ?? systemClock;
  const ca = await loadIssuingCa(keyStore, clock);
  const store = await storeFactories[runtime.config.store.kind](runtime.config);
  return {
    ca,
    keyStore,
    store,
    clock,
    random: runtime.random ?? secureRandom,
    policy: { maxValidityDays: runtime.config.maxValidityDays },
  };
}
