import { ConfigTomlError, withTables } from "@edge-pki/host-kit/iotedge-config";
import { BootstrapError } from "../errors.js";

/** The `[provisioning]` of IoT Edge 1.4/1.5 for DPS with X.509 (Azure/iotedge `edgelet/contrib/config/linux/template.toml`). */
export interface DpsProvisioning {
  globalEndpoint: string;
  idScope: string;
  registrationId: string;
  /** `file://` URIs. */
  identityCert: string;
  identityPk: string;
}

export function provisioningTable(settings: DpsProvisioning): Record<string, unknown> {
  return {
    source: "dps",
    global_endpoint: settings.globalEndpoint,
    id_scope: settings.idScope,
    attestation: {
      method: "x509",
      registration_id: settings.registrationId,
      identity_cert: settings.identityCert,
      identity_pk: settings.identityPk,
    },
  };
}

/** `config.toml` with its provisioning replaced by DPS X.509, every other setting kept (see `withTables`). */
export function withDpsProvisioning(original: string, settings: DpsProvisioning): string {
  return asBootstrapError(() => withTables(original, { provisioning: provisioningTable(settings) }));
}

/** A config.toml that cannot be edited, as the `config_toml_invalid` failure. */
export function asBootstrapError<T>(edit: () => T): T {
  try {
    return edit();
  } catch (error) {
    if (error instanceof ConfigTomlError) {
      throw new BootstrapError("config_toml_invalid", error.message, { cause: error.cause });
    }
    throw error;
  }
}
