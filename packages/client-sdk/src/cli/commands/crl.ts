import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { openSession } from "../settings.js";

/** `crl get [--der]`: the current CRL on stdout. */
export function addCrlCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const crl = program.command("crl").description("the certificate revocation list");
  const get = crl
    .command("get")
    .description("print the current CRL, PEM (or DER with --der, to redirect into a file)")
    .option("--der", "DER bytes instead of PEM");
  get.action(async () => {
    const { der, json } = get.optsWithGlobals<{ der?: boolean; json?: boolean }>();
    if (der && json) {
      throw new UsageError("--der and --json do not go together: the DER CRL is binary; drop one");
    }
    const { client } = openSession(get, env, { needsToken: false });
    if (der) process.stdout.write(await client.getCrl());
    else process.stdout.write(await client.getCrlPem());
  });
}
