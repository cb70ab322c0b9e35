import type { RevocationReason } from "@edge-pki/api-contract";
import type { EdgePkiClient } from "@edge-pki/client-sdk";
import { BootstrapError } from "../errors.js";
import type { DpsConnection } from "./dps-connection.js";
import { enrollDevice } from "./enroll.js";
import type { UpsertOutcome } from "./upsert.js";

export interface DisableDeviceRequest {
  deviceId: string;
  /**
   * The device's certificates, newest first (given, or from the CA: its valid ones, else its revoked
   * ones). At most two are enrolled.
   */
  certificatePems?: string[];
  /** Our CA: where the device's certificates come from, and where `revoke` revokes them. */
  ca?: EdgePkiClient;
  /** Also revoke every valid certificate of the device at the CA, with this reason. */
  revoke?: RevocationReason;
  log?: (line: string) => void;
}

export interface DisableDeviceResult {
  outcome: UpsertOutcome;
  revokedSerialNumbers: string[];
}

/**
 * Shuts one device out of its enrollment group, as DPS documents it
 * (`how-to-revoke-device-access-portal.md`): a disabled individual enrollment holding that device's
 * certificate, which DPS looks at before any group. With `revoke`, its certificates are revoked at
 * the CA too (so its renewals and everything that checks the CRL refuse it). The device stays in IoT
 * Hub: disable or delete it there as well.
 *
 * @example
 * ```ts
 * await disableDevice(connection, { deviceId: "line7-0042", ca: admin, revoke: "keyCompromise" });
 * ```
 */
export async function disableDevice(
  connection: DpsConnection,
  request: DisableDeviceRequest,
): Promise<DisableDeviceResult> {
  const log = request.log ?? (() => {});
  let pems = request.certificatePems;
  const records =
    request.ca === undefined ? [] : (await request.ca.listDeviceCertificates(request.deviceId)).items;
  if (pems === undefined) {
    // The valid ones; else the revoked ones, so that a re-run after --revoke converges (and because
    // DPS never reads the CA's CRL: a revoked certificate still registers through the group).
    const valid = records.filter((record) => record.status === "valid");
    const known = valid.length > 0 ? valid : records.filter((record) => record.status === "revoked");
    pems = known.map((record) => record.certificatePem);
  }
  const [primary, secondary] = pems;
  if (primary === undefined) {
    throw new BootstrapError(
      "config_invalid",
      `the CA knows no certificate of ${request.deviceId}: give one with --certificate-file`,
    );
  }
  const enrolled = await enrollDevice(connection, {
    registrationId: request.deviceId,
    certificatePem: primary,
    ...(secondary !== undefined && { secondaryCertificatePem: secondary }),
    provisioningStatus: "disabled",
  });
  log(
    `DPS: a disabled individual enrollment for ${request.deviceId} now holds its certificate (${enrolled.outcome})`,
  );
  const revokedSerialNumbers: string[] = [];
  if (request.revoke !== undefined) {
    if (request.ca === undefined)
      throw new BootstrapError("config_invalid", "revoking needs the CA (--ca-url)");
    for (const record of records.filter((candidate) => candidate.status === "valid")) {
      await request.ca.revoke(record.serialNumber, request.revoke);
      revokedSerialNumbers.push(record.serialNumber);
      log(`CA: revoked ${record.serialNumber} (${request.revoke})`);
    }
  }
  return { outcome: enrolled.outcome, revokedSerialNumbers };
}
