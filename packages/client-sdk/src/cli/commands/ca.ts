import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { HostCommand } from "@edge-pki/host-kit/cli";
import { assertWritableFolder } from "@edge-pki/host-kit/private-files";
import { ROOT_CERTIFICATE_FILE } from "../../device/file-layout.js";
import { writeOnce } from "../../device/write-once.js";
import { printResult } from "../output.js";
import { openSession } from "../settings.js";

/** The issuing CA and the root, leaf-side first, next to the root in `certs/`. */
const CHAIN_FILE = join("certs", "edge-pki-ca-chain.cert.pem");

/** `ca get [--out DIR]`. */
export function addCaCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const ca = program.command("ca").description("the CA's certificates");
  const get = ca
    .command("get")
    .description(
      "print the root certificate (--json: with its fingerprint and the issuing CA); with --out, write the root (for the DPS enrollment group) and the chain",
    )
    .option("--out <dir>", `write ${ROOT_CERTIFICATE_FILE} and ${CHAIN_FILE} there`);
  get.action(async () => {
    const { out } = get.opts<{ out?: string }>();
    const { client, json } = openSession(get, env, { needsToken: false });
    if (out !== undefined) await assertWritableFolder(out, ["certs"]);
    const info = await client.getCa();
    const files =
      out === undefined
        ? undefined
        : {
            root: await writePublic(join(resolve(out), ROOT_CERTIFICATE_FILE), info.rootCertificatePem),
            chain: await writePublic(join(resolve(out), CHAIN_FILE), info.chainPem),
          };
    const { rootSha256Fingerprint } = info;
    printResult(
      json,
      {
        rootSha256Fingerprint,
        // The issuing CA's, which a retirement replaces; the root's own expiry is in its PEM.
        intermediateNotAfter: info.notAfter,
        rootCertificatePem: info.rootCertificatePem,
        intermediateCertificatePem: info.intermediateCertificatePem,
        chainPem: info.chainPem,
        ...(files && { files }),
      },
      () =>
        files
          ? [
              `root SHA-256 fingerprint: ${rootSha256Fingerprint}`,
              `root: ${files.root}`,
              `chain: ${files.chain}`,
            ]
          : [info.rootCertificatePem.trimEnd()],
    );
  });
}

async function writePublic(path: string, pem: string): Promise<string> {
  // writeNewFile would make a missing certs/ 0700; certificates are for everyone to read.
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await writeOnce(path, pem, 0o644);
  return path;
}
