#!/usr/bin/env node
/**
 * `edge-pki-keyvault-check` (`pnpm keyvault:check`): runs the Key Vault conformance check once
 * against a scratch vault, with the operator's own credential, before the first production init.
 */
import { randomBytes } from "node:crypto";
import { createProgram, Option, runProgram, UsageError } from "@edge-pki/host-kit/cli";
import {
  openKeyVaultKeyStore,
  sdkClientsFor,
} from "../adapters/keys/azure-key-vault/open-key-vault-key-store.js";
import { loadConfig } from "../config/config.js";
import { maskCredentials } from "../config/mask-credentials.js";
import { failureOf, formatReport } from "../keyvault-check/check-report.js";
import type { CheckNames } from "../keyvault-check/conformance-steps.js";
import { runConformanceCheck } from "../keyvault-check/run-conformance-check.js";
import { trackCertificateCreations } from "../keyvault-check/track-creations.js";
import { environmentWithFlags } from "./setting-flags.js";

const PREFIX = /^[0-9A-Za-z-]{1,100}$/;

const program = createProgram("edge-pki-keyvault-check")
  .description(
    "Checks that an Azure Key Vault behaves as Edge PKI's init and signing expect: creates a root and an " +
      "issuing CA under throwaway names the way init does, issues one certificate, has openssl verify the " +
      "chain, reads the versions back, then deletes and purges what it created. Run it once against a " +
      "scratch vault before the first production init. Credential and TLS settings are the service's " +
      "(EDGE_PKI_AZURE_*, EDGE_PKI_KEYVAULT_HSM, EDGE_PKI_CA_KEY_ALGORITHM; see docs/azure-key-vault.md).",
  )
  .addOption(
    new Option("--vault-url <url>", "the vault, e.g. https://my-scratch-vault.vault.azure.net")
      .env("EDGE_PKI_KEYVAULT_URL")
      .makeOptionMandatory(),
  )
  .option(
    "--name-prefix <prefix>",
    "prefix of the throwaway certificate names (default edge-pki-check-<8 random hex digits>)",
  )
  .action(async () => {
    const { namePrefix } = program.opts<{ namePrefix?: string }>();
    const prefix = namePrefix ?? `edge-pki-check-${randomBytes(4).toString("hex")}`;
    if (!PREFIX.test(prefix)) throw new UsageError("--name-prefix must be 1-100 letters, digits or '-'");
    const config = loadConfig({ ...environmentWithFlags(program), EDGE_PKI_KEY_STORE: "keyvault" });
    if (config.keyStore.kind !== "keyvault") throw new Error("Key Vault settings missing");
    const names: CheckNames = {
      root: `${prefix}-root`,
      intermediate: `${prefix}-issuing`,
      pending: `${prefix}-pending`,
    };
    const settings = {
      ...config.keyStore,
      certificateNames: {
        root: names.root,
        intermediate: names.intermediate,
        "token-signing": `${prefix}-token`,
      },
    };
    const { clients, created } = trackCertificateCreations(await sdkClientsFor(settings));
    const report = await runConformanceCheck(
      {
        clients,
        keyStore: await openKeyVaultKeyStore(settings, clients),
        names,
        keyAlgorithm: config.ca.keyAlgorithm,
      },
      created,
    );
    process.stdout.write(`${formatReport(report).join("\n")}\n`);
    const failure = failureOf(report);
    if (failure) throw new Error(failure);
  });

await runProgram(program, process.argv.slice(2), { maskSecrets: maskCredentials });
