/**
 * IoT Edge 1.4/1.5's `config.toml` for certificates from an EST server (Azure/iot-identity-service
 * `aziotctl-common/src/config/super_config.rs`, Azure/iotedge `edgelet/doc/est.md`): the device
 * identity certificate of DPS X.509 attestation, and optionally the Edge CA, both from EST.
 */

import { parseConfigToml, withTables } from "./config-toml-editor.js";

/** When and how aziot renews a certificate: `[…auto_renew]` (IoT Edge 1.3 and later). */
export interface AutoRenew {
  rotateKey: boolean;
  /** `N%` of the lifetime, `Nmin` or `Nday` before expiry: the only forms aziot's policy.rs reads. */
  threshold: string;
  retry: string;
}

/** How the device authenticates to the EST server: Basic, a certificate pair, or Basic with one. */
export interface EstAuth {
  username?: string;
  password?: string;
  /** A bootstrap certificate and key (`file://` URIs): aziot gets its EST identity with them. */
  bootstrapIdentityCert?: string;
  bootstrapIdentityPk?: string;
  /** An EST identity certificate and key it already holds (`file://` URIs). */
  identityCert?: string;
  identityPk?: string;
}

export interface EstDeviceConfig {
  /** `https://…/.well-known/est`, with a CA label if any. */
  url: string;
  /** `file://` URIs of the certificates that the EST server's TLS chain ends in. */
  trustedCerts: string[];
  auth: EstAuth;
  dps: { idScope: string; globalEndpoint: string; registrationId: string };
  /** The identity certificate's CN: the registration ID. */
  commonName: string;
  autoRenew?: AutoRenew;
  /** An Edge CA from EST, with this CN (it must differ from the device ID). */
  edgeCa?: { commonName: string; autoRenew?: AutoRenew };
}

/** The formats aziot accepts for threshold and retry: `N%` (1 to 99), `Nmin`, `Nday`. */
const POLICY_VALUE = /^(?:[1-9][0-9]?%|[1-9][0-9]*(?:min|day))$/;

/** Whether aziot reads `value` as a renewal threshold or retry (`60m` and `10d` it refuses). */
export function isRenewalPolicyValue(value: string): boolean {
  return POLICY_VALUE.test(value);
}

/**
 * The top-level tables to write into `current` (the parsed config.toml): `provisioning` (DPS X.509
 * with `identity_cert` from EST; other keys of an existing DPS provisioning are kept), `cert_issuance`
 * (its `est` replaced, its other keys kept) and, when asked, `edge_ca`.
 */
export function estTables(
  current: Readonly<Record<string, unknown>>,
  config: EstDeviceConfig,
): Record<string, Record<string, unknown>> {
  const provisioning = table(current.provisioning);
  const identityCert: Record<string, unknown> = { method: "est", common_name: config.commonName };
  if (config.autoRenew !== undefined) identityCert.auto_renew = autoRenewTable(config.autoRenew);
  const tables: Record<string, Record<string, unknown>> = {
    provisioning: {
      ...(provisioning.source === "dps" ? provisioning : {}),
      source: "dps",
      global_endpoint: config.dps.globalEndpoint,
      id_scope: config.dps.idScope,
      attestation: {
        method: "x509",
        registration_id: config.dps.registrationId,
        identity_cert: identityCert,
      },
    },
    cert_issuance: {
      ...table(current.cert_issuance),
      est: {
        trusted_certs: config.trustedCerts,
        auth: authTable(config.auth),
        urls: { default: config.url },
      },
    },
  };
  if (config.edgeCa !== undefined) {
    tables.edge_ca = { method: "est", common_name: config.edgeCa.commonName };
    if (config.edgeCa.autoRenew !== undefined) {
      tables.edge_ca.auto_renew = autoRenewTable(config.edgeCa.autoRenew);
    }
  }
  return tables;
}

function authTable(auth: EstAuth): Record<string, string> {
  const entries: [string, string | undefined][] = [
    ["username", auth.username],
    ["password", auth.password],
    ["identity_cert", auth.identityCert],
    ["identity_pk", auth.identityPk],
    ["bootstrap_identity_cert", auth.bootstrapIdentityCert],
    ["bootstrap_identity_pk", auth.bootstrapIdentityPk],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function autoRenewTable(policy: AutoRenew): Record<string, unknown> {
  return { rotate_key: policy.rotateKey, threshold: policy.threshold, retry: policy.retry };
}

function table(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** `config.toml` set up for EST as `config` says, every other setting kept (see `withTables`). */
export function withEstConfig(original: string, config: EstDeviceConfig): string {
  return withTables(original, estTables(parseConfigToml(original), config));
}
