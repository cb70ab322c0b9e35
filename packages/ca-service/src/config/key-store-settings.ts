import { z } from "zod";
import type { CaName } from "../ports/ca-key-store.js";

/** Key Vault object names: 1-127 letters, digits and dashes. */
const VaultObjectName = z
  .string()
  .regex(/^[0-9A-Za-z-]{1,127}$/, { message: "must be 1-127 letters, digits or '-'" });
const LOOPBACK_URL = /^https:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)(:\d+)?\/?$/;
const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/** The Key Vault certificate name settings, each with its default; no two may name the same certificate. */
const CERTIFICATE_NAME_DEFAULTS = {
  EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE: "edge-pki-root",
  EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE: "edge-pki-intermediate",
  EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE: "edge-pki-token-signing",
};

/** EDGE_PKI_* settings that choose and configure the CA key store; part of the one config schema. */
export const KeyStoreSettings = z.object({
  EDGE_PKI_KEY_STORE: z.enum(["local", "keyvault"]).default("local"),
  EDGE_PKI_KEYVAULT_URL: z.url({ protocol: /^https$/, message: "must be an https:// URL" }).optional(),
  EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE: VaultObjectName.default(
    CERTIFICATE_NAME_DEFAULTS.EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE,
  ),
  EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE: VaultObjectName.default(
    CERTIFICATE_NAME_DEFAULTS.EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE,
  ),
  EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE: VaultObjectName.default(
    CERTIFICATE_NAME_DEFAULTS.EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE,
  ),
  EDGE_PKI_KEYVAULT_HSM: z.stringbool().default(false),
  EDGE_PKI_KEYVAULT_CA_FILE: z.string().min(1).optional(),
  EDGE_PKI_KEYVAULT_EMULATOR: z.stringbool().default(false),
  EDGE_PKI_KEYVAULT_SIGN_TIMEOUT_MS: positiveInt(5_000, 120_000),
  EDGE_PKI_KEYVAULT_SIGN_DEADLINE_MS: positiveInt(30_000, 600_000),
  EDGE_PKI_KEYVAULT_MAX_CONCURRENT_SIGNS: positiveInt(32, 1_000),
  EDGE_PKI_AZURE_TENANT_ID: z.string().min(1).optional(),
  EDGE_PKI_AZURE_CLIENT_ID: z.string().min(1).optional(),
  EDGE_PKI_AZURE_CLIENT_SECRET: z.string().min(1).optional(),
  EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH: z.string().min(1).optional(),
});

/** Settings that only mean something with EDGE_PKI_KEY_STORE=keyvault; the local key store ignores them. */
const KEY_VAULT_ONLY_SETTING = /^EDGE_PKI_(KEYVAULT|AZURE)_/;

/** The settings to validate: Key Vault's only when the key store is Key Vault. */
export function activeKeyStoreSettings(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  if (env.EDGE_PKI_KEY_STORE === "keyvault") return env;
  return Object.fromEntries(Object.entries(env).filter(([name]) => !KEY_VAULT_ONLY_SETTING.test(name)));
}

/** A boolean setting read exactly as the schema reads it (1/yes/on count as true); false when malformed. */
function isOn(name: "EDGE_PKI_KEYVAULT_EMULATOR", env: Record<string, string | undefined>): boolean {
  return KeyStoreSettings.shape[name].safeParse(env[name]).data === true;
}

/** Settings whose values never appear in error messages. */
export const SECRET_KEY_STORE_SETTINGS = ["EDGE_PKI_AZURE_CLIENT_SECRET"];

/** How the service authenticates to Azure. */
export type AzureCredentialSettings =
  /** DefaultAzureCredential: managed identity in Azure, developer login locally. */
  | { kind: "default"; tenantId: string | undefined; managedIdentityClientId: string | undefined }
  | { kind: "client-secret"; tenantId: string; clientId: string; clientSecret: string }
  | { kind: "client-certificate"; tenantId: string; clientId: string; certificatePath: string }
  /** A fixed token for the local Key Vault emulator, which accepts any. */
  | { kind: "emulator" };

export interface KeyVaultSettings {
  kind: "keyvault";
  vaultUrl: string;
  certificateNames: Record<CaName, string>;
  hsm: boolean;
  /** PEM bundle that replaces the public roots for the vault's TLS (the emulator, a dev stack). */
  caFile: string | undefined;
  /** Dev only: also skips the check that the challenge's resource matches the vault's host. */
  emulator: boolean;
  credential: AzureCredentialSettings;
  signing: { callTimeoutMs: number; deadlineMs: number };
  maxConcurrentSigns: number;
}

export type KeyStoreConfig = { kind: "local" } | KeyVaultSettings;

type Settings = z.infer<typeof KeyStoreSettings>;

/**
 * Rules across key store settings; `env` holds the raw values (after {@link activeKeyStoreSettings})
 * so problems show even when one is malformed.
 */
export function keyStoreProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.EDGE_PKI_KEY_STORE === "keyvault" && env.EDGE_PKI_KEYVAULT_URL === undefined) {
    problems.push("EDGE_PKI_KEYVAULT_URL is required when EDGE_PKI_KEY_STORE=keyvault");
  }
  if (
    env.EDGE_PKI_AZURE_CLIENT_SECRET !== undefined &&
    env.EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH !== undefined
  ) {
    problems.push(
      "EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH: set either EDGE_PKI_AZURE_CLIENT_SECRET or EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH, not both",
    );
  }
  if (
    env.EDGE_PKI_AZURE_CLIENT_SECRET !== undefined ||
    env.EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH !== undefined
  ) {
    for (const name of ["EDGE_PKI_AZURE_TENANT_ID", "EDGE_PKI_AZURE_CLIENT_ID"]) {
      if (env[name] === undefined) problems.push(`${name} is required with a client secret or certificate`);
    }
  }
  if (isOn("EDGE_PKI_KEYVAULT_EMULATOR", env)) {
    if (env.EDGE_PKI_KEYVAULT_CA_FILE === undefined) {
      problems.push(
        "EDGE_PKI_KEYVAULT_CA_FILE is required with EDGE_PKI_KEYVAULT_EMULATOR (the emulator's certificate)",
      );
    }
    if (env.EDGE_PKI_KEYVAULT_URL !== undefined && !LOOPBACK_URL.test(env.EDGE_PKI_KEYVAULT_URL)) {
      problems.push(
        `EDGE_PKI_KEYVAULT_URL=${JSON.stringify(env.EDGE_PKI_KEYVAULT_URL)}: EDGE_PKI_KEYVAULT_EMULATOR only talks to a loopback https:// URL`,
      );
    }
  }
  const names = Object.entries(CERTIFICATE_NAME_DEFAULTS).map(
    ([setting, fallback]) => [setting, env[setting] ?? fallback] as const,
  );
  for (const [index, [setting, name]] of names.entries()) {
    const earlier = names.slice(0, index).find(([, other]) => other === name);
    if (earlier) problems.push(`${setting}: must differ from ${earlier[0]}`);
  }
  return problems;
}

/** The key store part of the config, from settings that already passed the schema and the rules. */
export function keyStoreConfig(settings: Settings): KeyStoreConfig {
  if (settings.EDGE_PKI_KEY_STORE === "local") return { kind: "local" };
  return {
    kind: "keyvault",
    vaultUrl: settings.EDGE_PKI_KEYVAULT_URL ?? "",
    certificateNames: {
      root: settings.EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE,
      intermediate: settings.EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE,
      "token-signing": settings.EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE,
    },
    hsm: settings.EDGE_PKI_KEYVAULT_HSM,
    caFile: settings.EDGE_PKI_KEYVAULT_CA_FILE,
    emulator: settings.EDGE_PKI_KEYVAULT_EMULATOR,
    credential: credentialSettings(settings),
    signing: {
      callTimeoutMs: settings.EDGE_PKI_KEYVAULT_SIGN_TIMEOUT_MS,
      deadlineMs: settings.EDGE_PKI_KEYVAULT_SIGN_DEADLINE_MS,
    },
    maxConcurrentSigns: settings.EDGE_PKI_KEYVAULT_MAX_CONCURRENT_SIGNS,
  };
}

function credentialSettings(settings: Settings): AzureCredentialSettings {
  const tenantId = settings.EDGE_PKI_AZURE_TENANT_ID;
  const clientId = settings.EDGE_PKI_AZURE_CLIENT_ID;
  if (settings.EDGE_PKI_KEYVAULT_EMULATOR) return { kind: "emulator" };
  if (settings.EDGE_PKI_AZURE_CLIENT_SECRET && tenantId && clientId) {
    return { kind: "client-secret", tenantId, clientId, clientSecret: settings.EDGE_PKI_AZURE_CLIENT_SECRET };
  }
  if (settings.EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH && tenantId && clientId) {
    return {
      kind: "client-certificate",
      tenantId,
      clientId,
      certificatePath: settings.EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH,
    };
  }
  // A client id alone selects a user-assigned managed identity.
  return { kind: "default", tenantId, managedIdentityClientId: clientId };
}
