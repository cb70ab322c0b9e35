import { operations } from "@edge-pki/api-contract";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { type AdminTokenFile, adminTokenFile } from "./adapters/auth/admin-token-file.js";
import { KeyStoreTokenSigner } from "./adapters/auth/key-store-token-signer.js";
import { discoveredKeySet } from "./adapters/auth/oidc-discovery.js";
import { type TrustedIssuer, TrustedIssuersVerifier } from "./adapters/auth/trusted-issuers-verifier.js";
import { VerifiedTokenCache } from "./adapters/auth/verified-token-cache.js";
import { privateDataFolder } from "./adapters/fs/private-data-folder.js";
import { openKeyVaultKeyStore } from "./adapters/keys/azure-key-vault/open-key-vault-key-store.js";
import { LocalFileKeyStore } from "./adapters/keys/local-file-key-store.js";
import { hasKeyFiles, resolvePassphrase } from "./adapters/keys/passphrase.js";
import { PrometheusMetrics } from "./adapters/metrics/prometheus-metrics.js";
import { observedStore } from "./adapters/store/observed-store.js";
import { openPostgresStore, openSqliteStore } from "./adapters/store/open-store.js";
import { outageAsUnavailable } from "./adapters/store/outage-as-unavailable.js";
import { AuditSummaries } from "./app/audit-summaries.js";
import { EstCredentialVerifier } from "./app/est-credential-verifier.js";
import { type InitCaResult, initCa } from "./app/init-ca.js";
import { IssuingCaSource } from "./app/issuing-ca-source.js";
import { loadIssuingCa } from "./app/load-issuing-ca.js";
import { loadTokenKey } from "./app/load-token-key.js";
import { mintFirstAdminToken } from "./app/mint-first-admin-token.js";
import { recordCaCertificates } from "./app/record-ca-certificates.js";
import { refuseRootOverRecordedCa } from "./app/refuse-root-over-recorded-ca.js";
import { RevocationList } from "./app/revocation-list.js";
import type { ServiceContext } from "./app/service-context.js";
import type { Config } from "./config/config.js";
import { CaError } from "./core/errors.js";
import { RENEWAL_AUDIENCE } from "./core/renewal-proof.js";
import { API_AUDIENCE, BOOTSTRAP_AUDIENCE, OWN_ALGORITHMS, OWN_ISSUER } from "./core/token-claims.js";
import { describeError, type Logger } from "./logger.js";
import type { CaKeyStore } from "./ports/ca-key-store.js";
import type { CertificateStore } from "./ports/certificate-store.js";
import { type Clock, type RandomBytes, secureRandom, systemClock } from "./ports/clock.js";
import type { ServiceMetrics } from "./ports/metrics.js";
import type { SiblingWorkers } from "./ports/sibling-workers.js";
import type { TokenSigner } from "./ports/token-signer.js";
import type { TokenVerifier } from "./ports/token-verifier.js";

export interface Runtime {
  config: Config;
  logger: Logger;
  clock?: Clock;
  random?: RandomBytes;
  /**
   * Where a serving process counts what it does (see `createMetrics`); the store and the key store
   * report to it once it is set. Commands that serve nothing leave it out.
   */
  metrics?: ServiceMetrics;
  /** The service's other workers, in a worker process (`EDGE_PKI_WORKERS` above 1). */
  siblings?: SiblingWorkers;
}

/**
 * The metrics of a serving process: Prometheus, rendered by `GET /metrics`. In a worker of several,
 * rendered for the whole service by the primary (`siblings.gatherMetrics`), each series carrying the
 * worker's number (`worker="2"`).
 */
export function createMetrics(worker?: { siblings: SiblingWorkers; id: number }): ServiceMetrics {
  return new PrometheusMetrics(
    worker && { gather: () => worker.siblings.gatherMetrics(), worker: String(worker.id) },
  );
}

/** Whether the command may create key material (`init`, `start`) or only use what exists. */
export type KeyStoreAccess = "create" | "use";

/**
 * The data folder made private (see `privateDataFolder`), saying so when it had to be tightened.
 * Only `create` access makes a missing folder.
 */
async function secureDataFolder({ config, logger }: Runtime, access: KeyStoreAccess): Promise<void> {
  const folder = await privateDataFolder(config.dataDir, access);
  if (folder?.tightenedFrom !== undefined) {
    logger.warn("the data folder was open to other users: it is now private to its owner", {
      dataFolder: folder.path,
      previousMode: folder.tightenedFrom.toString(8).padStart(3, "0"),
    });
  }
}

/**
 * The passphrase that seals the keys kept in the data folder. Only a command that creates keys
 * makes the data folder and generates a passphrase; any other fails before writing anything.
 */
async function localPassphrase(runtime: Runtime, access: KeyStoreAccess): Promise<string> {
  const { config, logger } = runtime;
  await secureDataFolder(runtime, access);
  const resolved = await resolvePassphrase(config.dataDir, config.keyPassphrase, access === "create");
  if (resolved === undefined) {
    throw new CaError(
      "ca_not_initialized",
      `the CA is not initialised in ${config.dataDir}: run \`edge-pki-ca init\` first`,
    );
  }
  const { passphrase, generatedAt } = resolved;
  if (generatedAt !== undefined) {
    logger.warn(
      "EDGE_PKI_KEY_PASSPHRASE is not set: generated a random passphrase for the CA keys; keep it with the data folder, or set EDGE_PKI_KEY_PASSPHRASE",
      { passphraseFile: generatedAt },
    );
  }
  return passphrase;
}

/** Key stores by kind: an explicit map, not registration by import side effect. */
const keyStoreFactories: Record<
  Config["keyStore"]["kind"],
  (runtime: Runtime, access: KeyStoreAccess) => Promise<CaKeyStore>
> = {
  local: async (runtime, access) =>
    new LocalFileKeyStore(runtime.config.dataDir, await localPassphrase(runtime, access)),
  keyvault: ({ config, metrics }) => {
    if (config.keyStore.kind !== "keyvault") throw new Error("Key Vault settings missing");
    return openKeyVaultKeyStore(config.keyStore, undefined, metrics);
  },
};

const storeFactories: Record<Config["store"]["kind"], (runtime: Runtime) => Promise<CertificateStore>> = {
  // The database lives in the data folder, which it makes if need be (with Key Vault keys, nothing
  // else may have made it).
  sqlite: async (runtime) => {
    await secureDataFolder(runtime, "create");
    const { store } = runtime.config;
    return openSqliteStore(store.kind === "sqlite" ? store.path : "");
  },
  postgres: ({ config }) => openPostgresStore(config.store.kind === "postgres" ? config.store.url : ""),
};

export function openKeyStore(runtime: Runtime, access: KeyStoreAccess): Promise<CaKeyStore> {
  return keyStoreFactories[runtime.config.keyStore.kind](runtime, access);
}

/**
 * Before a command that may create CA keys opens the key store for creation: refuses a key store
 * without a root when the database already records one (see `refuseRootOverRecordedCa`). Opens
 * the key store only for use, so a refusal writes nothing to it.
 */
export async function refuseRootOverRecordedCaIn(runtime: Runtime): Promise<void> {
  const store = await openCertificateStore(runtime);
  try {
    await refuseRootOverRecordedCa({
      store,
      holdsRoot: async () => {
        let keyStore: CaKeyStore;
        try {
          keyStore = await openKeyStore(runtime, "use");
        } catch (error) {
          // Local keys without their passphrase: holding none is certain only without key files.
          if (error instanceof CaError && error.code === "ca_not_initialized") {
            return (await hasKeyFiles(runtime.config.dataDir)) ? undefined : false;
          }
          throw error;
        }
        return (await keyStore.load("root"))?.certificateDer !== undefined;
      },
      keyStoreLocation:
        runtime.config.keyStore.kind === "keyvault"
          ? `the Key Vault ${runtime.config.keyStore.vaultUrl}`
          : `the data folder ${runtime.config.dataDir}`,
    });
  } finally {
    await store.close();
  }
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

/** The service's own token issuer, over the key store's token-signing key (made by init). */
export async function openTokenSigner(keyStore: CaKeyStore): Promise<TokenSigner> {
  return KeyStoreTokenSigner.open(await loadTokenKey(keyStore));
}

/** The configured store; its failures surface as `unavailable`, whichever operation meets them. */
export async function openCertificateStore(runtime: Runtime): Promise<CertificateStore> {
  const store = await storeFactories[runtime.config.store.kind](runtime);
  return outageAsUnavailable(runtime.metrics ? observedStore(store, runtime.metrics) : store);
}

/** Our own issuer (ES256 only, our two audiences) and each configured OpenID Connect issuer. */
function tokenVerifier(config: Config, tokens: TokenSigner, clock: Clock): TokenVerifier {
  const own: TrustedIssuer = {
    kind: "own",
    issuer: OWN_ISSUER,
    audiences: [API_AUDIENCE, BOOTSTRAP_AUDIENCE],
    algorithms: [...OWN_ALGORITHMS],
    keys: createLocalJWKSet(tokens.publicJwks() as JSONWebKeySet),
  };
  const external = config.oidcIssuers.map(
    (settings): TrustedIssuer => ({
      kind: "oidc",
      issuer: settings.issuer,
      audiences: [settings.audience],
      algorithms: settings.algorithms,
      keys: discoveredKeySet(settings.issuer),
      accessTokens: {
        maxLifetimeSeconds: settings.maxTokenLifetimeSeconds,
        versions: settings.tokenVersions,
      },
    }),
  );
  return new VerifiedTokenCache(new TrustedIssuersVerifier([own, ...external], clock), clock);
}

/** The composition root: config → adapters → core. */
export async function openServiceContext(runtime: Runtime, keyStore: CaKeyStore): Promise<ServiceContext> {
  const clock = runtime.clock ?? systemClock;
  const random = runtime.random ?? secureRandom;
  const ca = await loadIssuingCa(keyStore, clock);
  const tokenKey = await loadTokenKey(keyStore, ca.root);
  const tokens = await KeyStoreTokenSigner.open(tokenKey);
  const opened = await openCertificateStore(runtime);
  const auditSummaries = new AuditSummaries({ store: opened, clock }, (error) =>
    runtime.logger.error("could not write an audit summary", { error: describeError(error) }),
  );
  // Whoever closes the store (a shutdown, a test) writes the summaries still open first.
  const store = closingAfter(opened, () => auditSummaries.flush());
  await recordCaCertificates(
    store,
    [
      { profile: "root", certificate: ca.root },
      { profile: "intermediate", certificate: ca.certificate },
      { profile: "token-signer", certificate: tokenKey.chain[0] },
    ],
    clock.now(),
  );
  const { publicUrl } = runtime.config;
  const crlDistributionPoint = publicUrl === undefined ? undefined : `${publicUrl}${operations.getCrl.path}`;
  return {
    issuingCa: new IssuingCaSource({ keyStore, store, clock }, ca, (error) =>
      runtime.logger.error("could not check the issuing CA for a retirement; the last view stands", {
        error: describeError(error),
      }),
    ),
    keyStore,
    store,
    clock,
    random,
    policy: { maxValidityDays: runtime.config.maxValidityDays, crlDistributionPoint },
    crl: { validityHours: runtime.config.crlValidityHours },
    renewal: {
      graceDays: runtime.config.renewalGraceDays,
      audiences:
        publicUrl === undefined
          ? [RENEWAL_AUDIENCE]
          : [RENEWAL_AUDIENCE, `${publicUrl}${operations.renewCertificate.path}`],
    },
    tokens,
    verifier: tokenVerifier(runtime.config, tokens, clock),
    tokenRevocations: new RevocationList(
      { listRevoked: (options) => store.listRevokedTokenIds(options), clock, siblings: runtime.siblings },
      (error) =>
        runtime.logger.error("could not read the revoked tokens; the last list stands", {
          error: describeError(error),
        }),
    ),
    estCredentials: new EstCredentialVerifier({
      store,
      clock,
      random,
      revocations: new RevocationList(
        { listRevoked: (options) => store.listRevokedEstCredentialIds(options), clock },
        (error) =>
          runtime.logger.error("could not read the revoked EST credentials; the last list stands", {
            error: describeError(error),
          }),
      ),
    }),
    auditSummaries,
    metrics: runtime.metrics ?? createMetrics(),
  };
}

/** The store, whose `close` runs `before` first. */
function closingAfter(store: CertificateStore, before: () => Promise<void>): CertificateStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== "close") return Reflect.get(target, property, receiver);
      return async () => {
        await before();
        await target.close();
      };
    },
  });
}

/**
 * The deployment's first admin token, in `<data folder>/admin.token` (never overwritten). Minted
 * only by the init that created the token-signing key, so once per deployment: a replica that
 * starts later (even with an empty data folder, sharing the key store and database) mints none.
 * Undefined when there is no such file and this run did not create the key.
 */
export async function firstAdminTokenFile(
  runtime: Runtime,
  context: ServiceContext,
  init: InitCaResult | undefined,
): Promise<AdminTokenFile | undefined> {
  const mint = init?.created.includes("token-signing")
    ? async () => (await mintFirstAdminToken({ ...context, ca: await context.issuingCa.current() })).token
    : undefined;
  return adminTokenFile(runtime.config.dataDir, mint);
}
