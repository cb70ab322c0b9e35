import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { summarise } from "../certificate-summary.js";
import { deviceIdArgument } from "../device-id.js";
import { assertNewDeviceFiles, writeOrRecover } from "../device-output.js";
import { addIssuanceFlags, type IssuanceFlags, issuanceSettings } from "../key-flags.js";
import { printResult } from "../output.js";
import { openSession } from "../settings.js";

interface IssueFlags extends IssuanceFlags {
  out: string;
  serverKeygen?: boolean;
  pfxPasswordFile?: string;
}

/** `issue <deviceId>`: one device's key, certificate and chain, written in the IoT Edge layout. */
export function addIssueCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const issue = addIssuanceFlags(
    program
      .command("issue")
      .description(
        "make a device's key here, get its certificate, and write the IoT Edge files (certs/, private/)",
      )
      .argument("<deviceId>", "the device ID, which is the DPS registration ID and the certificate's CN")
      .option("--out <dir>", "where to write certs/ and private/", "."),
  )
    .option("--server-keygen", "let the CA generate the key (POST /v1/credentials) instead of making it here")
    .option(
      "--pfx-password-file <file>",
      "also write a PKCS#12 of the key and chain to private/, protected by the password in this file",
    );
  issue.action(async (deviceIdValue: string) => {
    const deviceId = deviceIdArgument(deviceIdValue);
    const flags = issue.opts<IssueFlags>();
    const settings = issuanceSettings(flags);
    const pfxPassword = flags.pfxPasswordFile === undefined ? undefined : readPassword(flags.pfxPasswordFile);
    const { client, json } = openSession(issue, env);
    await assertNewDeviceFiles(flags.out, deviceId);
    const identity = flags.serverKeygen
      ? await client.issueCredentials(deviceId, { ...settings, pfxPassword })
      : await client.createDeviceIdentity(deviceId, { ...settings, pfxPassword });
    const files = await writeOrRecover(flags.out, identity);
    const result = {
      deviceId,
      ...summarise(identity.certificatePem),
      ...(identity.notAfterCappedBy && { notAfterCappedBy: identity.notAfterCappedBy }),
      files,
    };
    printResult(json, result, () => [
      `issued ${result.serialNumber} for ${deviceId}, valid until ${result.notAfter}${identity.notAfterCappedBy ? ` (cut by ${identity.notAfterCappedBy})` : ""}`,
      ...Object.entries(files).map(([name, path]) => `  ${name}: ${relative(process.cwd(), path) || path}`),
    ]);
  });
}

function readPassword(file: string): string {
  let password: string;
  try {
    password = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new Error(`cannot read the PFX password file ${file}: ${(error as Error).message}`);
  }
  if (password === "") throw new UsageError(`the PFX password file ${file} is empty`);
  return password;
}
