import { availableParallelism } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { type EstConfig, EstSettings, estConfigOf, estProblems } from "./est-settings.js";
import {
  activeKeyStoreSettings,
  type KeyStoreConfig,
  KeyStoreSettings,
  keyStoreConfig,
  keyStoreProblems,
  SECRET_KEY_STORE_SETTINGS,
} from "./key-store-settings.js";
import { AllowPlainHttpSetting, HostSetting, listenerProblems } from "./listener-settings.js";
import { maskCredentials } from "./mask-credentials.js";
import {
  ClientCertificateHeaderSetting,
  clientCertificateProblems,
  TlsClientCertificatesSetting,
  TrustedProxiesSetting,
} from "./proxy-settings.js";
import { integerSetting } from "./setting-types.js";

const KeyAlgorithmSetting = z.enum(["ECDSA_P256", "ECDSA_P384", "RSA_2048", "RSA_3072", "RSA_4096"]);
const LOOPBACK_URL = /^http:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)(:\d+)?(\/|$)/;

/** Asymmetric only: `none` and HMAC (whose "secret" could be a public key) are not expressible. */
const OidcAlgorithm = z.enum([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
]);

const OidcIssuer = z.strictObject({
  issuer: z.url().refine((url) => url.startsWith("https://") || LOOPBACK_URL.test(url), {
    message: "issuer must be an https:// URL (http:// only on loopback, for tests)",
  }),
  audience: z.string().min(1),
  algorithms: z.array(OidcAlgorithm).min(1).default(["RS256"]),
  /** Entra's access tokens last 60 to 90 minutes; one that lasts longer than this is refused. */
  maxTokenLifetimeSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  /** Entra: the access token versions (`ver`) accepted; any when absent. */
  tokenVersions: z
    .array(z.enum(["1.0", "2.0"]))
    .min(1)
    .optional(),
});

/** A JSON array of OpenID Connect issuers, e.g. `[{"issuer":"https://login.microsoftonline.com/<tenant>/v2.0","audience":"api://edge-pki"}]`. */
const OidcIssuers = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: "custom",
        message:
          "must be a JSON array of {issuer, audience, algorithms?, maxTokenLifetimeSeconds?, tokenVersions?}",
      });
      return z.NEVER;
    }
  })
  .pipe(z.array(OidcIssuer));

const days = (fallback: number, max: number) => integerSetting(1, max, fallback);

/** Where relying parties reach the service: written into certificates, so no query, fragment or credentials. */
const PublicUrl = z
  .url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" })
  .refine(
    (value) => {
      // zod runs this even when the URL check failed; that failure is already reported.
      if (!URL.canParse(value)) return true;
      const url = new URL(value);
      return url.search === "" && url.hash === "" && url.username === "" && url.password === "";
    },
    { message: "must not carry a query, a fragment or credentials" },
  )
  .transform((value) => value.replace(/\/+$/, ""));

/** Every setting, validated once at start; each wrong one gets its own message. */
const ConfigSchema = z.object({
  EDGE_PKI_DATA_DIR: z.string().min(1).default("./data"),
  EDGE_PKI_HOST: HostSetting,
  EDGE_PKI_PORT: integerSetting(0, 65_535, 8443),
  EDGE_PKI_WORKERS: integerSetting(1, 1024, availableParallelism()),
  EDGE_PKI_DRAIN_SECONDS: integerSetting(1, 3600, 20),
  EDGE_PKI_WORKER_UNRESPONSIVE_SECONDS: integerSetting(0, 3600, 30),
  EDGE_PKI_ALLOW_PLAIN_HTTP: AllowPlainHttpSetting,
  EDGE_PKI_TLS_CERT: z.string().min(1).optional(),
  EDGE_PKI_TLS_KEY: z.string().min(1).optional(),
  EDGE_PKI_TLS_CLIENT_CERTIFICATES: TlsClientCertificatesSetting,
  EDGE_PKI_TRUSTED_PROXIES: TrustedProxiesSetting,
  EDGE_PKI_CLIENT_CERT_HEADER: ClientCertificateHeaderSetting,
  EDGE_PKI_KEY_PASSPHRASE: z.string().min(12, { message: "must be at least 12 characters" }).optional(),
  EDGE_PKI_STORE: z.enum(["sqlite", "postgres"]).default("sqlite"),
  EDGE_PKI_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: "must be a postgres:// URL" })
    .optional(),
  EDGE_PKI_MAX_VALIDITY_DAYS: days(365, 36_500),
  EDGE_PKI_CA_NAME: z.string().min(1).max(48).default("Edge PKI"),
  EDGE_PKI_CA_KEY_ALGORITHM: KeyAlgorithmSetting.default("ECDSA_P256"),
  EDGE_PKI_ROOT_VALIDITY_DAYS: days(7300, 36_500),
  EDGE_PKI_INTERMEDIATE_VALIDITY_DAYS: days(3650, 36_500),
  EDGE_PKI_PUBLIC_URL: PublicUrl.optional(),
  EDGE_PKI_CRL_VALIDITY_HOURS: integerSetting(1, 8760, 24),
  EDGE_PKI_RENEWAL_GRACE_DAYS: integerSetting(0, 3650, 0),
  EDGE_PKI_OIDC_ISSUERS: OidcIssuers.default([]),
  EDGE_PKI_RATE_LIMIT_PER_MINUTE: integerSetting(0, 1_000_000, 0),
  EDGE_PKI_DEVICE_RATE_LIMIT_PER_MINUTE: integerSetting(0, 1_000_000, 60),
  EDGE_PKI_AUTH_FAILURES_PER_MINUTE: integerSetting(0, 1_000_000, 20),
  EDGE_PKI_PUBLIC_RATE_LIMIT_PER_MINUTE: integerSetting(0, 1_000_000, 6000),
  ...EstSettings.shape,
  ...KeyStoreSettings.shape,
});

/** The name of every setting, taken from the schema: what docs/configuration.md must list. */
export const SETTING_NAMES: readonly string[] = Object.keys(ConfigSchema.shape);
const SECRET_SETTINGS = new Set(["EDGE_PKI_KEY_PASSPHRASE", ...SECRET_KEY_STORE_SETTINGS]);

/** Rules across settings, checked even when single settings are wrong so every problem shows at once. */
function crossSettingProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.EDGE_PKI_STORE === "postgres" && env.EDGE_PKI_DATABASE_URL === undefined) {
    problems.push("EDGE_PKI_DATABASE_URL is required when EDGE_PKI_STORE=postgres");
  }
  const allowPlainHttp = AllowPlainHttpSetting.safeParse(env.EDGE_PKI_ALLOW_PLAIN_HTTP).data ?? false;
  return [
    ...problems,
    ...listenerProblems(env, allowPlainHttp),
    ...clientCertificateProblems(env),
    ...estProblems(env),
    ...keyStoreProblems(env),
  ];
}

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  /** Processes serving the API on one port; 1 serves in the process that starts. */
  workers: number;
  /** On SIGTERM, how long requests under way may take before their connections are cut. */
  drainSeconds: number;
  /** With several workers: how long one may leave the primary's pings unanswered before it is replaced; 0: never. */
  workerUnresponsiveSeconds: number;
  tls: { certPath: string; keyPath: string; requestClientCertificates: boolean } | undefined;
  /** TLS-terminating proxies in front of the service: addresses and CIDR networks. */
  trustedProxies: string[];
  /** The header (lower case) in which a trusted proxy forwards the client certificate; off when undefined. */
  clientCertificateHeader: string | undefined;
  keyPassphrase: string | undefined;
  keyStore: KeyStoreConfig;
  store: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };
  maxValidityDays: number;
  /** The service's base URL as devices and relying parties see it; enables CRL distribution points. */
  publicUrl: string | undefined;
  /** How long a CRL is valid (its nextUpdate); it is re-signed after half of that. */
  crlValidityHours: number;
  /** Days after expiry during which a certificate may still renew; 0 = never after expiry. */
  renewalGraceDays: number;
  ca: {
    name: string;
    keyAlgorithm: z.infer<typeof KeyAlgorithmSetting>;
    rootValidityDays: number;
    intermediateValidityDays: number;
  };
  /** The EST listener (RFC 7030); undefined when EDGE_PKI_EST_PORT is not set. */
  est: EstConfig | undefined;
  /** External token issuers trusted besides our own. */
  oidcIssuers: OidcIssuerSettings[];
  rateLimits: {
    perMinute: number;
    devicePerMinute: number;
    publicPerMinute: number;
    authFailuresPerMinute: number;
  };
}

export type OidcIssuerSettings = z.infer<typeof OidcIssuer>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** One problem on one line; several, one per line below the first. */
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0]}`
        : `invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

/** Reads EDGE_PKI_* settings; empty values count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const relevant = activeKeyStoreSettings(
    Object.fromEntries(
      Object.entries(env).filter(([name, value]) => name.startsWith("EDGE_PKI_") && value !== ""),
    ),
  );
  const parsed = ConfigSchema.safeParse(relevant);
  const problems = [
    ...(parsed.error?.issues ?? []).map((issue) => {
      const name = issue.path.join(".");
      const value = relevant[name];
      if (value === undefined) return `${name}: ${issue.message}`;
      // Secrets are hidden; any URL (EDGE_PKI_DATABASE_URL above all) shows without its password.
      const shown = SECRET_SETTINGS.has(name) ? "(hidden)" : JSON.stringify(maskCredentials(value));
      return `${name}=${shown}: ${issue.message}`;
    }),
    ...crossSettingProblems(relevant),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const settings = parsed.data;
  const dataDir = isAbsolute(settings.EDGE_PKI_DATA_DIR)
    ? settings.EDGE_PKI_DATA_DIR
    : resolve(cwd, settings.EDGE_PKI_DATA_DIR);
  return {
    dataDir,
    host: settings.EDGE_PKI_HOST,
    port: settings.EDGE_PKI_PORT,
    workers: settings.EDGE_PKI_WORKERS,
    drainSeconds: settings.EDGE_PKI_DRAIN_SECONDS,
    workerUnresponsiveSeconds: settings.EDGE_PKI_WORKER_UNRESPONSIVE_SECONDS,
    est: estConfigOf(settings),
    tls:
      settings.EDGE_PKI_TLS_CERT && settings.EDGE_PKI_TLS_KEY
        ? {
            certPath: settings.EDGE_PKI_TLS_CERT,
            keyPath: settings.EDGE_PKI_TLS_KEY,
            requestClientCertificates: settings.EDGE_PKI_TLS_CLIENT_CERTIFICATES === "request",
          }
        : undefined,
    trustedProxies: settings.EDGE_PKI_TRUSTED_PROXIES,
    clientCertificateHeader: settings.EDGE_PKI_CLIENT_CERT_HEADER,
    keyPassphrase: settings.EDGE_PKI_KEY_PASSPHRASE,
    keyStore: keyStoreConfig(settings),
    store:
      settings.EDGE_PKI_STORE === "postgres" && settings.EDGE_PKI_DATABASE_URL
        ? { kind: "postgres", url: settings.EDGE_PKI_DATABASE_URL }
        : { kind: "sqlite", path: resolve(dataDir, "edge-pki.sqlite") },
    maxValidityDays: settings.EDGE_PKI_MAX_VALIDITY_DAYS,
    publicUrl: settings.EDGE_PKI_PUBLIC_URL,
    crlValidityHours: settings.EDGE_PKI_CRL_VALIDITY_HOURS,
    renewalGraceDays: settings.EDGE_PKI_RENEWAL_GRACE_DAYS,
    ca: {
      name: settings.EDGE_PKI_CA_NAME,
      keyAlgorithm: settings.EDGE_PKI_CA_KEY_ALGORITHM,
      rootValidityDays: settings.EDGE_PKI_ROOT_VALIDITY_DAYS,
      intermediateValidityDays: settings.EDGE_PKI_INTERMEDIATE_VALIDITY_DAYS,
    },
    oidcIssuers: settings.EDGE_PKI_OIDC_ISSUERS,
    rateLimits: {
      perMinute: settings.EDGE_PKI_RATE_LIMIT_PER_MINUTE,
      devicePerMinute: settings.EDGE_PKI_DEVICE_RATE_LIMIT_PER_MINUTE,
      publicPerMinute: settings.EDGE_PKI_PUBLIC_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: settings.EDGE_PKI_AUTH_FAILURES_PER_MINUTE,
    },
  };
}
