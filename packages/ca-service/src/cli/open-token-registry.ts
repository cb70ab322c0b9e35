import { openCertificateStore, openKeyStore, type Runtime } from "../compose.js";
import { loadConfig } from "../config/config.js";
import { jsonLogger } from "../logger.js";
import type { CertificateStore } from "../ports/certificate-store.js";

/**
 * The store of a CA that exists, for the token commands that only read or revoke: a mistyped
 * --data-dir must not create a CA, a passphrase or a database.
 */
export async function openTokenRegistry(env: NodeJS.ProcessEnv): Promise<CertificateStore> {
  const runtime: Runtime = { config: loadConfig(env), logger: jsonLogger() };
  await openKeyStore(runtime, "use");
  return openCertificateStore(runtime);
}
