import { readFileSync } from "node:fs";
import { UsageError } from "@edge-pki/host-kit/cli";

/** Every secret this process read: masked in whatever it writes to stderr. */
const known = new Set<string>();

/** Remembers a secret for masking and returns it. */
export function secret(value: string): string {
  if (value.length >= 8) known.add(value);
  return value;
}

/** Hides the secrets this process read, and any SharedAccessKey or SAS signature a message quotes. */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const value of known) masked = masked.replaceAll(value, "***");
  return masked.replace(/(SharedAccessKey=)[^;\s]+/gi, "$1***").replace(/(sig=)[^&\s]+/gi, "$1***");
}

/** A secret from a file (its trailing newline dropped); a usage error names the flag. */
export function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read ${what} from ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  const value = text.trim();
  if (value === "") throw new UsageError(`${path} (${what}) is empty`);
  return secret(value);
}

/** A secret from a file flag, else from an environment variable; undefined when neither is set. */
export function secretFrom(
  file: string | undefined,
  envName: string,
  env: NodeJS.ProcessEnv,
  what: string,
): string | undefined {
  if (file !== undefined) return readSecretFile(file, what);
  const inline = env[envName]?.trim();
  return inline ? secret(inline) : undefined;
}
