/**
 * Registration state: what a device's registration produced (spec `device.json`,
 * `RegistrationOperationStatus` and `DeviceRegistrationResult`; `service.json`,
 * `DeviceRegistrationState`). Assignment is immediate; the operation is reported `assigning` once,
 * then as it ended, as DPS's asynchronous operation looks to a client.
 */
import { createHash, randomUUID, type X509Certificate } from "node:crypto";
import type { Attestation } from "./attestation.js";
import { certificateInfo } from "./certificates.js";

export interface RegistrationState {
  registrationId: string;
  createdDateTimeUtc: string;
  lastUpdatedDateTimeUtc: string;
  status: "assigned" | "disabled";
  assignedHub?: string;
  deviceId?: string;
  substatus?: "initialAssignment";
  etag: string;
  x509?: Record<string, unknown>;
  /** For the service API's per-group query. */
  enrollmentGroupId?: string;
}

export interface RegistrationOperation {
  operationId: string;
  registrationId: string;
  state: RegistrationState;
}

export class RegistrationLedger {
  readonly #states = new Map<string, RegistrationState>();
  readonly #operations = new Map<string, RegistrationOperation>();

  constructor(
    private readonly now: () => Date,
    private readonly linkedHubs: readonly string[],
  ) {}

  /** Records the outcome of an attested registration and returns its operation. */
  register(registrationId: string, leaf: X509Certificate, attestation: Attestation): RegistrationOperation {
    const { enrollment, signingCertificate } = attestation;
    const now = this.now().toISOString();
    const previous = this.#states.get(registrationId.toLowerCase());
    const groupId = enrollment.kind === "enrollmentGroup" ? enrollment.id : undefined;
    const x509: Record<string, unknown> = { certificateInfo: certificateInfo(leaf) };
    if (groupId !== undefined) x509.enrollmentGroupId = groupId;
    if (signingCertificate !== undefined) x509.signingCertificateInfo = certificateInfo(signingCertificate);
    const base = {
      registrationId,
      createdDateTimeUtc: previous?.createdDateTimeUtc ?? now,
      lastUpdatedDateTimeUtc: now,
      etag: `"${randomUUID()}"`,
      x509,
      ...(groupId !== undefined && { enrollmentGroupId: groupId }),
    };
    const state: RegistrationState = enrollment.enabled
      ? {
          ...base,
          status: "assigned",
          assignedHub: this.#hubFor(registrationId, enrollment.body),
          deviceId:
            enrollment.kind === "enrollment" && typeof enrollment.body.deviceId === "string"
              ? enrollment.body.deviceId
              : registrationId,
          substatus: "initialAssignment",
        }
      : { ...base, status: "disabled" };
    this.#states.set(registrationId.toLowerCase(), state);
    const operation = {
      operationId: `5.${randomUUID().replaceAll("-", "").slice(0, 16)}`,
      registrationId,
      state,
    };
    this.#operations.set(operation.operationId, operation);
    return operation;
  }

  operation(operationId: string): RegistrationOperation | undefined {
    return this.#operations.get(operationId);
  }

  state(registrationId: string): RegistrationState | undefined {
    return this.#states.get(registrationId.toLowerCase());
  }

  delete(registrationId: string): boolean {
    return this.#states.delete(registrationId.toLowerCase());
  }

  ofGroup(groupId: string): RegistrationState[] {
    return [...this.#states.values()].filter(
      (state) => state.enrollmentGroupId?.toLowerCase() === groupId.toLowerCase(),
    );
  }

  /** `static` takes the named hub; otherwise the hubs are hashed by registration ID. */
  #hubFor(registrationId: string, enrollment: Record<string, unknown>): string {
    const listed = Array.isArray(enrollment.iotHubs) ? (enrollment.iotHubs as string[]) : [];
    const named = typeof enrollment.iotHubHostName === "string" ? enrollment.iotHubHostName : undefined;
    if (enrollment.allocationPolicy === "static" && (named ?? listed[0]))
      return (named ?? listed[0]) as string;
    const hubs = listed.length > 0 ? listed : named !== undefined ? [named] : this.linkedHubs;
    const hash = createHash("sha256").update(registrationId.toLowerCase()).digest();
    return hubs[hash.readUInt32BE(0) % hubs.length] as string;
  }
}

/** A registration state as the APIs render it (without the emulator's own bookkeeping). */
export function renderState(state: RegistrationState): Record<string, unknown> {
  const { enrollmentGroupId: _group, ...rendered } = state;
  return rendered;
}
