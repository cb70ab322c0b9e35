import { type Command, Option } from "@edge-pki/host-kit/cli";

/** Flags that stand in for a setting, for every command; a flag wins over the environment. */
export function addSettingFlags(program: Command): void {
  program
    .addOption(
      new Option("--data-dir <dir>", "the database, and the CA keys with the local key store").env(
        "EDGE_PKI_DATA_DIR",
      ),
    )
    .addOption(
      new Option("--key-store <kind>", "local (the default) or keyvault (Azure Key Vault)").env(
        "EDGE_PKI_KEY_STORE",
      ),
    )
    .addOption(
      new Option("--vault-url <url>", "the Key Vault, e.g. https://my-vault.vault.azure.net").env(
        "EDGE_PKI_KEYVAULT_URL",
      ),
    );
}

/** The environment the settings are read from, with each setting flag `command` got in its place. */
export function environmentWithFlags(command: Command): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const values = command.optsWithGlobals<Record<string, string | undefined>>();
  for (let current: Command | null = command; current !== null; current = current.parent) {
    for (const option of current.options) {
      const value = values[option.attributeName()];
      if (option.envVar !== undefined && value) env[option.envVar] = value;
    }
  }
  return env;
}
