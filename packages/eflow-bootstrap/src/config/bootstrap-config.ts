import { readFile } from "node:fs/promises";
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from "@edge-pki/api-contract";
import { z } from "zod";
import { BootstrapError } from "../errors.js";

/** Where Microsoft's global device endpoint is; the default of IoT Edge's template and of EFLOW. */
export const GLOBAL_ENDPOINT = "https://global.azure-devices-provisioning.net";

const KeyAlgorithm = z.enum(["ECDSA_P256", "ECDSA_P384", "RSA_2048"]);

/**
 * `bootstrap.json`: everything the device-side steps need. The bootstrap token itself is never in
 * it: `ca.bootstrapTokenFile`, or the EDGE_PKI_BOOTSTRAP_TOKEN environment variable.
 */
export const BootstrapConfig = z.strictObject({
  deviceId: z.string().regex(DEVICE_ID_PATTERN, { message: `deviceId must be ${DEVICE_ID_RULE}` }),
  ca: z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    bootstrapTokenFile: z.string().min(1).optional(),
    /** SHA-256 of the root certificate's DER, hex (colons allowed): the chain must end at it. */
    rootSha256: z
      .string()
      .regex(/^(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, { message: "rootSha256 must be 64 hex digits" })
      .optional(),
  }),
  /** The protected folder: key, chain, and the state of `run`. */
  dir: z.string().min(1),
  keyAlgorithm: KeyAlgorithm.default("ECDSA_P256"),
  validityDays: z.number().int().min(1).max(36_500).optional(),
  dps: z.strictObject({
    idScope: z.string().min(1).max(64),
    globalEndpoint: z.url({ protocol: /^https$/ }).optional(),
  }),
  /** `eflow`: Provision-EflowVm on the Windows host; `linux`: /etc/aziot/config.toml. */
  target: z.enum(["eflow", "linux"]).optional(),
  eflow: z
    .strictObject({
      /** Pass `-ExecutionPolicy Bypass` for this one process (Group Policy still wins). */
      executionPolicyBypass: z.boolean().default(false),
      /** Run `sudo iotedge list` and `sudo iotedge check` in the VM afterwards. */
      verify: z.boolean().default(true),
    })
    .default({ executionPolicyBypass: false, verify: true }),
  linux: z
    .strictObject({
      configToml: z.string().default("/etc/aziot/config.toml"),
      certsDir: z.string().default("/var/aziot/certs"),
      secretsDir: z.string().default("/var/aziot/secrets"),
    })
    .default({
      configToml: "/etc/aziot/config.toml",
      certsDir: "/var/aziot/certs",
      secretsDir: "/var/aziot/secrets",
    }),
});
export type BootstrapConfig = z.infer<typeof BootstrapConfig>;

/** Reads and checks `bootstrap.json`, naming every bad field. */
export async function loadBootstrapConfig(path: string): Promise<BootstrapConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new BootstrapError("config_invalid", `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BootstrapError("config_invalid", `${path} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseBootstrapConfig(json, path);
}

export function parseBootstrapConfig(json: unknown, source = "the configuration"): BootstrapConfig {
  const parsed = BootstrapConfig.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new BootstrapError("config_invalid", `${source} is not valid:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
