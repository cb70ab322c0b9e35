import type { HostCommand } from "@edge-pki/host-kit/cli";
import { openSession } from "../settings.js";

/** `crl get [--der]`: the current CRL on stdout. */
export function addCrlCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const crl = program.command("crl").description("the certificate revocation list");
  const get = crl
    .command("get")
    .description("print the current CRL, PEM (or DER with --der, to redirect into a file)")
    .option("--der", "DER bytes instead of PEM");
  get.action(async () => {
    const { client } = openSession(get, env, { needsToken: false });
    if (get.opts<{ der?: boolean }>().der) process.stdout.write(await client.getCrl());
    else process.stdout.write(await client.getCrlPem());
  });
}
