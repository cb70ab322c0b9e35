import type {
  EnrollmentGroup,
  IndividualEnrollment,
} from "azure-iot-provisioning-service/dist/interfaces.js";
import { assertDeviceCertificate } from "./device-certificate.js";
import { type DpsConnection, provisioningServiceClient } from "./dps-connection.js";
import { orUndefined, type UpsertOutcome, upsertWithEtag } from "./upsert.js";

/**
 * What an enrollment (group or individual) carries besides its attestation. Each field left out
 * keeps what the enrollment holds (a new one gets the default); one given replaces it.
 */
export interface EnrollmentSettings {
  /** `capabilities.iotEdge`: the devices run IoT Edge. Default true. */
  iotEdge?: boolean;
  /** `initialTwin.tags` (the twin's desired properties are kept). */
  tags?: Record<string, unknown>;
  allocationPolicy?: "hashed" | "geoLatency" | "static";
  /** `iotHubs`: host names of linked hubs the devices may go to. */
  iotHubs?: string[];
  /** Default `enabled`. */
  provisioningStatus?: "enabled" | "disabled";
}

export interface GroupEnrollmentRequest extends EnrollmentSettings {
  enrollmentGroupId: string;
  /** The CA certificate (root or issuing intermediate), PEM: `signingCertificates.primary`. */
  signingCertificatePem?: string;
  /** Or the name of a CA certificate uploaded to DPS and verified: `caReferences.primary`. */
  caReference?: string;
}

export interface IndividualEnrollmentRequest extends EnrollmentSettings {
  /** The device certificate's CN. */
  registrationId: string;
  /** The device certificate, PEM: `clientCertificates.primary`. */
  certificatePem: string;
  /** Another certificate of the same device (a renewed one): `clientCertificates.secondary`. */
  secondaryCertificatePem?: string;
  /** The IoT Hub device ID, when it is not the registration ID. */
  deviceId?: string;
}

export interface EnrollmentResult<Record> {
  outcome: UpsertOutcome;
  record: Record;
}

/**
 * Creates or updates an X.509 enrollment group for the devices of a CA, with etags, so that a re-run
 * converges instead of failing with 409. An update reads the group first and changes only the
 * attestation and the settings given: its twin, hubs, allocation and other fields stay.
 *
 * @example
 * ```ts
 * await enrollGroup({ authentication: { kind: "connection-string", connectionString } }, {
 *   enrollmentGroupId: "line7", signingCertificatePem: rootPem, tags: { line: "7" },
 * });
 * ```
 */
export async function enrollGroup(
  connection: DpsConnection,
  request: GroupEnrollmentRequest,
): Promise<EnrollmentResult<EnrollmentGroup>> {
  const client = provisioningServiceClient(connection);
  const x509 =
    request.caReference !== undefined
      ? { caReferences: { primary: request.caReference } }
      : { signingCertificates: { primary: { certificate: request.signingCertificatePem as string } } };
  const desired = (existing: EnrollmentGroup | undefined) =>
    ({
      ...existing,
      enrollmentGroupId: request.enrollmentGroupId,
      attestation: { type: "x509", x509 },
      ...settings(request, existing),
    }) as unknown as EnrollmentGroup;
  return upsertWithEtag(
    `the enrollment group ${request.enrollmentGroupId}`,
    {
      get: () => orUndefined(client.getEnrollmentGroup(request.enrollmentGroupId)),
      put: async (body) => (await client.createOrUpdateEnrollmentGroup(body)).responseBody,
    },
    desired,
  );
}

/**
 * Creates or updates an individual X.509 enrollment for one device certificate, which must be an
 * end-entity certificate with CN = the registration ID (case aside); an update changes
 * only the certificates and the settings given (its device ID, twin, hubs and allocation stay).
 *
 * @example
 * ```ts
 * await enrollDevice(connection, { registrationId: "line7-0001", certificatePem, provisioningStatus: "disabled" });
 * ```
 */
export async function enrollDevice(
  connection: DpsConnection,
  request: IndividualEnrollmentRequest,
): Promise<EnrollmentResult<IndividualEnrollment>> {
  assertDeviceCertificate(request.certificatePem, request.registrationId, "the device certificate");
  if (request.secondaryCertificatePem !== undefined) {
    assertDeviceCertificate(
      request.secondaryCertificatePem,
      request.registrationId,
      "the secondary device certificate",
    );
  }
  const client = provisioningServiceClient(connection);
  const clientCertificates: Record<string, unknown> = { primary: { certificate: request.certificatePem } };
  if (request.secondaryCertificatePem !== undefined) {
    clientCertificates.secondary = { certificate: request.secondaryCertificatePem };
  }
  const desired = (existing: IndividualEnrollment | undefined) =>
    ({
      ...existing,
      registrationId: request.registrationId,
      ...(request.deviceId !== undefined && { deviceId: request.deviceId }),
      attestation: { type: "x509", x509: { clientCertificates } },
      ...settings(request, existing),
    }) as unknown as IndividualEnrollment;
  return upsertWithEtag(
    `the individual enrollment ${request.registrationId}`,
    {
      get: () => orUndefined(client.getIndividualEnrollment(request.registrationId)),
      put: async (body) => (await client.createOrUpdateIndividualEnrollment(body)).responseBody,
    },
    desired,
  );
}

/** The settings to write: those given, over what `existing` holds (or the defaults of a new one). */
function settings(
  request: EnrollmentSettings,
  existing: EnrollmentGroup | IndividualEnrollment | undefined,
): Record<string, unknown> {
  const held = existing as
    | { capabilities?: Record<string, unknown>; initialTwin?: Record<string, unknown> }
    | undefined;
  return {
    capabilities:
      request.iotEdge !== undefined
        ? { ...held?.capabilities, iotEdge: request.iotEdge }
        : (held?.capabilities ?? { iotEdge: true }),
    provisioningStatus: request.provisioningStatus ?? existing?.provisioningStatus ?? "enabled",
    ...(request.tags !== undefined && { initialTwin: { ...held?.initialTwin, tags: request.tags } }),
    ...(request.allocationPolicy !== undefined && { allocationPolicy: request.allocationPolicy }),
    ...(request.iotHubs !== undefined && { iotHubs: request.iotHubs }),
  };
}
