import { readFileSync } from "node:fs";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { checkDeviceFiles } from "../../device/check-device-files.js";
import { ROOT_CERTIFICATE_FILE } from "../../device/file-layout.js";
import { deviceIdArgument } from "../device-id.js";
import { printResult } from "../output.js";

/** `check <dir> --device-id …`: exit 0 when the files will work, 1 with every problem otherwise. */
export function addCheckCommand(program: HostCommand): void {
  const check = program
    .command("check")
    .description("tell whether a device's files will work for IoT Edge, naming every problem; needs no CA")
    .argument("<dir>", "the folder holding certs/ and private/")
    .option("--device-id <id>", "the device ID the files must be for")
    .option("--root <file>", `the root to verify to (default: <dir>/${ROOT_CERTIFICATE_FILE})`);
  check.action(async (dir: string) => {
    const flags = check.opts<{ deviceId?: string; root?: string; json?: boolean }>();
    if (flags.deviceId === undefined) throw new UsageError("--device-id is needed");
    const deviceId = deviceIdArgument(flags.deviceId);
    const rootCertificatePem = flags.root === undefined ? undefined : readFileSync(flags.root, "utf8");
    const result = await checkDeviceFiles(
      dir,
      deviceId,
      rootCertificatePem === undefined ? {} : { rootCertificatePem },
    );
    printResult(check.optsWithGlobals<{ json?: boolean }>().json === true, { deviceId, ...result }, () =>
      result.ok
        ? [`${deviceId}: the files will work for IoT Edge`]
        : result.problems.map((problem) => `${deviceId}: ${problem.code}: ${problem.message}`),
    );
    if (!result.ok) process.exitCode = 1;
  });
}
