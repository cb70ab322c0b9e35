import { UsageError } from "./usage-error.js";

/**
 * The CA's URL as a command took it (`from` names the flag and variable): http:// or https://, and
 * no user name or password, which fetch refuses and which every message would otherwise quote.
 * Anything else is a usage error that never repeats a password.
 */
export function caUrlSetting(url: string, from: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || !/^https?:$/.test(parsed.protocol)) {
    const shown = url.replace(/\/\/[^/@]*@/, "//***@");
    throw new UsageError(`the CA's URL (${from}) must be http:// or https://, not ${JSON.stringify(shown)}`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new UsageError(
      `the CA's URL (${from}) must not hold a user name or password (${parsed.protocol}//***@${parsed.host}): the API token goes in its own file or variable`,
    );
  }
  return url;
}
