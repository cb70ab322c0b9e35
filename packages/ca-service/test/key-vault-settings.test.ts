import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/config.js";

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, "/srv");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a configuration error");
};

const VAULT = { EDGE_PKI_KEY_STORE: "keyvault", EDGE_PKI_KEYVAULT_URL: "https://ca-vault.vault.azure.net" };

describe("Key Vault settings", () => {
  it("defaults to the local key store", () => {
    expect(loadConfig({}, "/srv").keyStore).toEqual({ kind: "local" });
  });

  it("reads a Key Vault configuration with DefaultAzureCredential and the default certificate names", () => {
    const config = loadConfig(
      { ...VAULT, EDGE_PKI_KEYVAULT_HSM: "true", EDGE_PKI_AZURE_CLIENT_ID: "managed-identity-client-id" },
      "/srv",
    );
    expect(config.keyStore).toMatchObject({
      kind: "keyvault",
      vaultUrl: "https://ca-vault.vault.azure.net",
      certificateNames: { root: "edge-pki-root", intermediate: "edge-pki-intermediate" },
      hsm: true,
      emulator: false,
      caFile: undefined,
      credential: { kind: "default", managedIdentityClientId: "managed-identity-client-id" },
      signing: { callTimeoutMs: 5_000, deadlineMs: 30_000 },
      maxConcurrentSigns: 32,
    });
  });

  it("selects a client secret credential, and never prints the secret", () => {
    const config = loadConfig(
      {
        ...VAULT,
        EDGE_PKI_AZURE_TENANT_ID: "tenant",
        EDGE_PKI_AZURE_CLIENT_ID: "client",
        EDGE_PKI_AZURE_CLIENT_SECRET: "s3cret",
      },
      "/srv",
    );
    expect(config.keyStore).toMatchObject({
      credential: { kind: "client-secret", tenantId: "tenant", clientId: "client", clientSecret: "s3cret" },
    });
    const problems = problemsOf({
      ...VAULT,
      EDGE_PKI_AZURE_CLIENT_SECRET: "s3cret",
      EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH: "/c.pem",
    });
    expect(problems.join("\n")).not.toContain("s3cret");
  });

  it("lists every problem at once", () => {
    expect(
      problemsOf({
        EDGE_PKI_KEY_STORE: "keyvault",
        EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE: "root_ca",
        EDGE_PKI_AZURE_CLIENT_SECRET: "s3cret",
        EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH: "/c.pem",
      }),
    ).toEqual([
      `EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE="root_ca": must be 1-127 letters, digits or '-'`,
      "EDGE_PKI_KEYVAULT_URL is required when EDGE_PKI_KEY_STORE=keyvault",
      "EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH: set either EDGE_PKI_AZURE_CLIENT_SECRET or EDGE_PKI_AZURE_CLIENT_CERTIFICATE_PATH, not both",
      "EDGE_PKI_AZURE_TENANT_ID is required with a client secret or certificate",
      "EDGE_PKI_AZURE_CLIENT_ID is required with a client secret or certificate",
    ]);
  });

  it("allows the emulator settings only for a loopback vault with its certificate", () => {
    expect(problemsOf({ ...VAULT, EDGE_PKI_KEYVAULT_EMULATOR: "true" })).toEqual([
      "EDGE_PKI_KEYVAULT_CA_FILE is required with EDGE_PKI_KEYVAULT_EMULATOR (the emulator's certificate)",
      `EDGE_PKI_KEYVAULT_URL="https://ca-vault.vault.azure.net": EDGE_PKI_KEYVAULT_EMULATOR only talks to a loopback https:// URL`,
    ]);
    expect(
      problemsOf({ EDGE_PKI_KEY_STORE: "keyvault", EDGE_PKI_KEYVAULT_URL: "http://127.0.0.1:8444" }),
    ).toEqual([`EDGE_PKI_KEYVAULT_URL="http://127.0.0.1:8444": must be an https:// URL`]);
  });

  it.each(["true", "1", "yes", "on", "Y", "enabled"])(
    "applies the emulator's safety checks to every truthy spelling (%s)",
    (value) => {
      expect(problemsOf({ ...VAULT, EDGE_PKI_KEYVAULT_EMULATOR: value })).toEqual([
        "EDGE_PKI_KEYVAULT_CA_FILE is required with EDGE_PKI_KEYVAULT_EMULATOR (the emulator's certificate)",
        `EDGE_PKI_KEYVAULT_URL="https://ca-vault.vault.azure.net": EDGE_PKI_KEYVAULT_EMULATOR only talks to a loopback https:// URL`,
      ]);
    },
  );

  it.each(["false", "0", "no", "off"])("leaves the emulator off for %s", (value) => {
    expect(loadConfig({ ...VAULT, EDGE_PKI_KEYVAULT_EMULATOR: value }, "/srv").keyStore).toMatchObject({
      emulator: false,
      credential: { kind: "default" },
    });
  });

  it("ignores Key Vault settings with the local key store", () => {
    const config = loadConfig(
      {
        EDGE_PKI_KEYVAULT_URL: "http://127.0.0.1:8444",
        EDGE_PKI_KEYVAULT_EMULATOR: "yes",
        EDGE_PKI_AZURE_CLIENT_SECRET: "s3cret",
      },
      "/srv",
    );
    expect(config.keyStore).toEqual({ kind: "local" });
  });
});
