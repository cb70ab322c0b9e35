import { relative } from "node:path";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { DEVICE_KEY_ALGORITHMS, type DeviceKeyAlgorithm } from "../../device/key-algorithm.js";
import { summarise } from "../certificate-summary.js";
import { assertDeviceFolder, writeOrRecover } from "../device-output.js";
import { printResult } from "../output.js";
import { readRenewalFiles } from "../renewal-files.js";
import { openSession } from "../settings.js";

interface RenewFlags {
  cert?: string;
  key?: string;
  out?: string;
  newKey?: string;
}

/** `renew --cert F --key F --out DIR`: proof of possession of the current key; no token needed. */
export function addRenewCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const renew = program
    .command("renew")
    .description(
      "renew a device certificate with its current key (no token needed) and write the new files, in place if you like",
    )
    .option("--cert <file>", "the current certificate chain, leaf first (the -full-chain.cert.pem file)")
    .option("--key <file>", "the current private key")
    .option(
      "--out <dir>",
      "where to write the renewed files; the device's files there are replaced atomically",
    )
    .option(
      "--new-key <algorithm>",
      `make a new key: ${DEVICE_KEY_ALGORITHMS.join(", ")} (default: keep the key)`,
    );
  renew.action(async () => {
    const flags = renew.opts<RenewFlags>();
    for (const [flag, value] of [
      ["--cert", flags.cert],
      ["--key", flags.key],
      ["--out", flags.out],
    ] as const) {
      if (value === undefined) throw new UsageError(`${flag} is needed`);
    }
    const newKeyAlgorithm = flags.newKey as DeviceKeyAlgorithm | undefined;
    if (newKeyAlgorithm !== undefined && !DEVICE_KEY_ALGORITHMS.includes(newKeyAlgorithm)) {
      throw new UsageError(`--new-key must be one of ${DEVICE_KEY_ALGORITHMS.join(", ")}`);
    }
    const { certificateChainPem, privateKeyPem } = readRenewalFiles(
      flags.cert as string,
      flags.key as string,
    );
    const { client, json } = openSession(renew, env, { needsToken: false });
    // A certificate renews once: a renewal whose files cannot be written is spent for nothing.
    await assertDeviceFolder(flags.out as string);
    const renewed = await client.renew({ certificateChainPem, privateKeyPem, newKeyAlgorithm });
    const files = await writeOrRecover(flags.out as string, renewed, { replace: true });
    const result = { deviceId: renewed.deviceId, ...summarise(renewed.certificatePem), files };
    printResult(json, result, () => [
      `renewed ${renewed.deviceId}: ${result.serialNumber}, valid until ${result.notAfter}`,
      ...Object.entries(files).map(([name, path]) => `  ${name}: ${relative(process.cwd(), path) || path}`),
    ]);
  });
}
