import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../cli/usage-error.js";
import { type AutoRenew, type EstDeviceConfig, isRenewalPolicyValue } from "./est-config.js";

/** DPS's global endpoint, the default of `--global-endpoint`. */
export const DPS_GLOBAL_ENDPOINT = "https://global.azure-devices-provisioning.net";

/** A file the config refers to, read once on this host: where it is here, and its bytes. */
export interface LocalFile {
  path: string;
  content: Buffer;
}

/** The files `config.toml` refers to for EST, by role. */
export interface EstFiles {
  trustedCert?: LocalFile;
  bootstrapCert?: LocalFile;
  bootstrapKey?: LocalFile;
  identityCert?: LocalFile;
  identityKey?: LocalFile;
}

/** What the EST flags ask for: the config (its file URIs still to be chosen) and the files. */
export interface EstRequest {
  files: EstFiles;
  /** The Basic password, if any: for the caller to mask in what it prints. */
  password?: string;
  /** The config, given where each file will be on the device (a `file://` URI by role). */
  config(uriOf: (role: keyof EstFiles, file: LocalFile) => string): EstDeviceConfig;
}

interface EstFlags {
  estUrl: string;
  deviceId: string;
  idScope: string;
  globalEndpoint: string;
  trustedCert?: string;
  estUsername?: string;
  estPasswordFile?: string;
  bootstrapCert?: string;
  bootstrapKey?: string;
  estIdentityCert?: string;
  estIdentityKey?: string;
  autoRenew?: boolean;
  renewThreshold: string;
  renewRetry: string;
  keepKey?: boolean;
  edgeCa?: string;
}

/** The flags of `edge-pki iotedge-config --est` and `eflow-bootstrap est-config`: one definition. */
export function addEstOptions(command: Command): void {
  command
    .requiredOption("--est-url <url>", "the EST server: https://<host>/.well-known/est[/<label>]")
    .requiredOption("--device-id <id>", "the DPS registration ID, and the CN of the identity certificate")
    .requiredOption("--id-scope <scope>", "the DPS ID scope")
    .option("--global-endpoint <url>", "the DPS global endpoint", DPS_GLOBAL_ENDPOINT)
    .option("--trusted-cert <file>", "PEM the EST server's TLS chain ends in (trusted_certs)")
    .option(
      "--est-username <name>",
      "HTTP Basic username (password: --est-password-file or EDGE_PKI_EST_PASSWORD)",
    )
    .option("--est-password-file <file>", "a file holding the HTTP Basic password")
    .option("--bootstrap-cert <file>", "bootstrap certificate (PEM) that aziot gets its EST identity with")
    .option("--bootstrap-key <file>", "the bootstrap certificate's key (PEM)")
    .option("--est-identity-cert <file>", "an EST identity certificate the device already holds")
    .option("--est-identity-key <file>", "the EST identity certificate's key")
    .option("--auto-renew", "write auto_renew (IoT Edge 1.3+) for the identity certificate and the Edge CA")
    .option("--renew-threshold <value>", "renew this long before expiry: N% (1 to 99), Nmin or Nday", "80%")
    .option("--renew-retry <value>", "retry after: N%, Nmin or Nday", "4%")
    .option("--keep-key", "renew with the same key (rotate_key = false)")
    .option("--edge-ca <common-name>", "also get the Edge CA from EST, with this CN ([edge_ca] method est)");
}

/**
 * The request the flags make, checked: the renewal values in aziot's formats, a complete auth (Basic
 * and at most one certificate pair: the bootstrap pair or the EST identity pair, never both, as
 * aziot's super-config allows), and every file present and readable. Mistakes are `UsageError`s.
 */
export function estRequestFromFlags(command: Command, env: NodeJS.ProcessEnv): EstRequest {
  const flags = command.opts<EstFlags>();
  if (!URL.canParse(flags.estUrl) || !/^https?:$/.test(new URL(flags.estUrl).protocol)) {
    throw new UsageError(`--est-url must be an https:// URL, not ${JSON.stringify(flags.estUrl)}`);
  }
  const asked = flags.autoRenew === true || flags.keepKey === true;
  for (const [flag, value] of [
    ["--renew-threshold", flags.renewThreshold],
    ["--renew-retry", flags.renewRetry],
  ] as const) {
    if (!isRenewalPolicyValue(value)) {
      throw new UsageError(
        `${flag} ${JSON.stringify(value)} is not a form aziot reads: N% (1 to 99), Nmin or Nday (as 80%, 90min, 10day)`,
      );
    }
  }
  if (flags.edgeCa !== undefined && flags.edgeCa === flags.deviceId) {
    throw new UsageError(
      "--edge-ca must differ from --device-id: IoT Edge refuses an Edge CA named like the device",
    );
  }
  const pair = (certFlag: string, cert?: string, keyFlag?: string, key?: string) => {
    if ((cert === undefined) !== (key === undefined)) {
      throw new UsageError(`give ${certFlag} and ${keyFlag} together`);
    }
    return cert === undefined || key === undefined
      ? undefined
      : {
          cert: readLocal(certFlag, cert, "CERTIFICATE"),
          key: readLocal(keyFlag as string, key, "PRIVATE KEY"),
        };
  };
  if (flags.bootstrapCert !== undefined && flags.estIdentityCert !== undefined) {
    throw new UsageError(
      "give either the bootstrap pair (--bootstrap-cert/--bootstrap-key) or the EST identity pair (--est-identity-cert/--est-identity-key), not both",
    );
  }
  const bootstrap = pair("--bootstrap-cert", flags.bootstrapCert, "--bootstrap-key", flags.bootstrapKey);
  const identity = pair(
    "--est-identity-cert",
    flags.estIdentityCert,
    "--est-identity-key",
    flags.estIdentityKey,
  );
  const password = estPassword(flags.estPasswordFile, env);
  if ((flags.estUsername === undefined) !== (password === undefined)) {
    throw new UsageError(
      "give --est-username with its password (--est-password-file or EDGE_PKI_EST_PASSWORD)",
    );
  }
  if (flags.estUsername === undefined && bootstrap === undefined && identity === undefined) {
    throw new UsageError(
      "the EST server needs credentials: --est-username, --bootstrap-cert/--bootstrap-key or --est-identity-cert/--est-identity-key",
    );
  }
  const files: EstFiles = {
    ...(flags.trustedCert !== undefined && {
      trustedCert: readLocal("--trusted-cert", flags.trustedCert, "CERTIFICATE"),
    }),
    ...(bootstrap && { bootstrapCert: bootstrap.cert, bootstrapKey: bootstrap.key }),
    ...(identity && { identityCert: identity.cert, identityKey: identity.key }),
  };
  const policy: AutoRenew | undefined = asked
    ? { rotateKey: flags.keepKey !== true, threshold: flags.renewThreshold, retry: flags.renewRetry }
    : undefined;
  return {
    files,
    ...(password !== undefined && { password }),
    config: (uriOf) => {
      const uri = (role: keyof EstFiles) => {
        const file = files[role];
        return file === undefined ? undefined : uriOf(role, file);
      };
      return {
        url: flags.estUrl,
        trustedCerts: files.trustedCert === undefined ? [] : [uri("trustedCert") as string],
        auth: {
          ...(flags.estUsername !== undefined && { username: flags.estUsername, password }),
          ...(bootstrap && {
            bootstrapIdentityCert: uri("bootstrapCert"),
            bootstrapIdentityPk: uri("bootstrapKey"),
          }),
          ...(identity && { identityCert: uri("identityCert"), identityPk: uri("identityKey") }),
        },
        dps: { idScope: flags.idScope, globalEndpoint: flags.globalEndpoint, registrationId: flags.deviceId },
        commonName: flags.deviceId,
        ...(policy && { autoRenew: policy }),
        ...(flags.edgeCa !== undefined && {
          edgeCa: { commonName: flags.edgeCa, ...(policy && { autoRenew: policy }) },
        }),
      };
    },
  };
}

/** The Basic password: from its file (trailing newline dropped), else EDGE_PKI_EST_PASSWORD. */
function estPassword(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (file === undefined) return env.EDGE_PKI_EST_PASSWORD?.trim() || undefined;
  const value = readLocal("--est-password-file", file).content.toString("utf8").trim();
  if (value === "") throw new UsageError(`--est-password-file ${file} is empty`);
  return value;
}

/** A file a flag names, read now: missing or unreadable is a usage mistake, named by its flag. */
function readLocal(flag: string, file: string, pemLabel?: string): LocalFile {
  const path = resolve(file);
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    throw new UsageError(
      `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  if (
    pemLabel !== undefined &&
    !new RegExp(`-----BEGIN [A-Z ]*${pemLabel}-----`).test(content.toString("latin1"))
  ) {
    throw new UsageError(`${flag} ${file}: not a PEM ${pemLabel.toLowerCase()}`);
  }
  return { path, content };
}
