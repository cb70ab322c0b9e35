import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import {
  type KeyStoreConfig,
  KeyStoreSettings,
  keyStoreConfig,
  keyStoreProblems,
  SECRET_KEY_STORE_SETTINGS,
} from "./key-store-settings.js";

const KeyAlgorithmSetting = z.enum(["ECDSA_P256", "ECDSA_P384", "RSA_2048", "RSA_3072", "RSA_4096"]);
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

const days = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** Every setting, validated once at start; each wrong one gets its own message. */
const ConfigSchema = z.object({
  EDGE_PKI_DATA_DIR: z.string().min(1).default("./data"),
  EDGE_PKI_HOST: z
    .string()
    .regex(LOOPBACK, {
      message: "must be a loopback address (127.0.0.1, ::1 or localhost) until authentication is configured",
    })
    .default("127.0.0.1"),
  EDGE_PKI_PORT: z.coerce.number().int().min(0).max(65_535).default(8443),
  EDGE_PKI_TLS_CERT: z.string().min(1).optional(),
  EDGE_PKI_TLS_KEY: z.string().min(1).optional(),
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
  ...KeyStoreSettings.shape,
});
const SECRET_SETTINGS = new Set(["EDGE_PKI_KEY_PASSPHRASE", ...SECRET_KEY_STORE_SETTINGS]);

/** Rules across settings, checked even when single settings are wrong so every problem shows at once. */
function crossSettingProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if ((env.EDGE_PKI_TLS_CERT === undefined) !== (env.EDGE_PKI_TLS_KEY === undefined)) {
    const missing = env.EDGE_PKI_TLS_CERT === undefined ? "EDGE_PKI_TLS_CERT" : "EDGE_PKI_TLS_KEY";
    problems.push(`${missing}=null: EDGE_PKI_TLS_CERT and EDGE_PKI_TLS_KEY must be set together`);
  }
  if (env.EDGE_PKI_STORE === "postgres" && env.EDGE_PKI_DATABASE_URL === undefined) {
    problems.push("EDGE_PKI_DATABASE_URL=null: is required when EDGE_PKI_STORE=postgres");
  }
  return [...problems, ...keyStoreProblems(env)];
}

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  tls: { certPath: string; keyPath: string } | undefined;
  keyPassphrase: string | undefined;
  keyStore: KeyStoreConfig;
  store: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };
  maxValidityDays: number;
  ca: {
    name: string;
    keyAlgorithm: z.infer<typeof KeyAlgorithmSetting>;
    rootValidityDays: number;
    intermediateValidityDays: number;
  };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Reads EDGE_PKI_* settings; empty values count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name.startsWith("EDGE_PKI_") && value !== ""),
  );
  const parsed = ConfigSchema.safeParse(relevant);
  const problems = [
    ...(parsed.error?.issues ?? []).map((issue) => {
      const name = issue.path.join(".");
      const value = SECRET_SETTINGS.has(name) ? "(hidden)" : JSON.stringify(relevant[name] ?? null);
      return `${name}=${value}: ${issue.message}`;
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
    tls:
      settings.EDGE_PKI_TLS_CERT && settings.EDGE_PKI_TLS_KEY
        ? { certPath: settings.EDGE_PKI_TLS_CERT, keyPath: settings.EDGE_PKI_TLS_KEY }
        : undefined,
    keyPassphrase: settings.EDGE_PKI_KEY_PASSPHRASE,
    keyStore: keyStoreConfig(settings),
    store:
      settings.EDGE_PKI_STORE === "postgres" && settings.EDGE_PKI_DATABASE_URL
        ? { kind: "postgres", url: settings.EDGE_PKI_DATABASE_URL }
        : { kind: "sqlite", path: resolve(dataDir, "edge-pki.sqlite") },
    maxValidityDays: settings.EDGE_PKI_MAX_VALIDITY_DAYS,
    ca: {
      name: settings.EDGE_PKI_CA_NAME,
      keyAlgorithm: settings.EDGE_PKI_CA_KEY_ALGORITHM,
      rootValidityDays: settings.EDGE_PKI_ROOT_VALIDITY_DAYS,
      intermediateValidityDays: settings.EDGE_PKI_INTERMEDIATE_VALIDITY_DAYS,
    },
  };
}
