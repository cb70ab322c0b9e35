/**
 * Enrollment records as the service API stores and returns them (spec `service.json`,
 * `IndividualEnrollment`, `EnrollmentGroup`, `AttestationMechanism`), validated against the spec's
 * types, with the etag rules of DPS: a PUT on an existing record needs `If-Match` (409 without it,
 * 412 on a mismatch; `*` matches any).
 */
import type { X509Certificate } from "node:crypto";
import { certificateInfo, requireCertificate, thumbprint } from "./certificates.js";
import { badRequest, DpsError, notFound } from "./errors.js";
import { asObject } from "./http.js";

export type EnrollmentKind = "enrollment" | "enrollmentGroup";

/** A certificate slot of an X.509 attestation: primary or secondary. */
export interface AttestedCertificate {
  slot: "primary" | "secondary";
  certificate: X509Certificate;
}

/** One stored record: the body as DPS returns it, and what registration needs from it. */
export interface StoredEnrollment {
  kind: EnrollmentKind;
  /** registrationId or enrollmentGroupId, as given. */
  id: string;
  body: Record<string, unknown>;
  etag: string;
  enabled: boolean;
  /** clientCertificates (individual) or signingCertificates (group). */
  certificates: AttestedCertificate[];
  /** caReferences: names of CA certificates uploaded through ARM. */
  caReferences: string[];
}

const PROVISIONING_STATUSES = ["enabled", "disabled"];
const ALLOCATION_POLICIES = ["hashed", "geoLatency", "static", "custom"];
const ATTESTATION_TYPES = ["none", "tpm", "x509", "symmetricKey"];
/**
 * Registration IDs and group IDs: up to 128 of alphanumerics and `- . _ :`, the last alphanumeric or
 * `-` ("The last character must be alphanumeric or dash", Microsoft's DPS docs).
 */
export const ID_PATTERN = /^[A-Za-z0-9:._-]{0,127}[A-Za-z0-9-]$/;

/** The enrollments of one DPS instance, keyed case-insensitively as DPS keys them. */
export class EnrollmentStore {
  readonly #records = new Map<string, StoredEnrollment>();
  #etagCounter = 0;

  constructor(private readonly now: () => Date) {}

  get(kind: EnrollmentKind, id: string): StoredEnrollment | undefined {
    return this.#records.get(key(kind, id));
  }

  list(kind: EnrollmentKind): StoredEnrollment[] {
    return [...this.#records.values()].filter((record) => record.kind === kind);
  }

  /** PUT: create, or update with a matching `If-Match`. */
  put(kind: EnrollmentKind, id: string, body: unknown, ifMatch: string | undefined): StoredEnrollment {
    const input = asObject(body, kind === "enrollment" ? "IndividualEnrollment" : "EnrollmentGroup");
    const idField = kind === "enrollment" ? "registrationId" : "enrollmentGroupId";
    if (!ID_PATTERN.test(id)) throw badRequest(`'${id}' is not a valid ${idField}.`);
    if (typeof input[idField] !== "string" || (input[idField] as string).toLowerCase() !== id.toLowerCase()) {
      throw badRequest(`The ${idField} in the body must equal the one in the path.`);
    }
    const existing = this.get(kind, id);
    if (existing !== undefined && ifMatch === undefined) {
      throw new DpsError(
        409,
        409201,
        `The ${kindName(kind)} '${id}' already exists; send If-Match with its etag (or *) to update it.`,
      );
    }
    if (existing !== undefined && ifMatch !== undefined && !etagMatches(ifMatch, existing.etag)) {
      throw new DpsError(412, 412002, `The etag in If-Match does not match the ${kindName(kind)} '${id}'.`);
    }
    if (existing === undefined && ifMatch !== undefined && ifMatch.trim() !== "*") {
      throw new DpsError(412, 412002, `The ${kindName(kind)} '${id}' does not exist, so no etag matches.`);
    }
    const parsed = validate(kind, input);
    this.#assertCertificatesUnused(kind, id, parsed.certificates);
    const now = this.now().toISOString();
    const etag = this.#nextEtag();
    const stored: StoredEnrollment = {
      kind,
      id: existing?.id ?? id,
      etag,
      enabled: input.provisioningStatus !== "disabled",
      certificates: parsed.certificates,
      caReferences: parsed.caReferences,
      body: {
        ...input,
        [idField]: existing?.id ?? id,
        attestation: parsed.attestationOut,
        provisioningStatus: input.provisioningStatus ?? "enabled",
        etag,
        createdDateTimeUtc: (existing?.body.createdDateTimeUtc as string | undefined) ?? now,
        lastUpdatedDateTimeUtc: now,
      },
    };
    this.#records.set(key(kind, id), stored);
    return stored;
  }

  delete(kind: EnrollmentKind, id: string, ifMatch: string | undefined): void {
    const existing = this.get(kind, id);
    if (existing === undefined) throw notFound(`The ${kindName(kind)} '${id}' does not exist.`);
    if (ifMatch !== undefined && !etagMatches(ifMatch, existing.etag)) {
      throw new DpsError(412, 412002, `The etag in If-Match does not match the ${kindName(kind)} '${id}'.`);
    }
    this.#records.delete(key(kind, id));
  }

  /** "A certificate can be specified in only one enrollment entry in your DPS instance." */
  #assertCertificatesUnused(kind: EnrollmentKind, id: string, certificates: AttestedCertificate[]): void {
    const wanted = new Set(certificates.map(({ certificate }) => thumbprint(certificate, "sha256")));
    for (const record of this.#records.values()) {
      if (record.kind === kind && record.id.toLowerCase() === id.toLowerCase()) continue;
      for (const { certificate } of record.certificates) {
        if (wanted.has(thumbprint(certificate, "sha256"))) {
          throw new DpsError(
            409,
            409203,
            `The certificate is already used by the ${kindName(record.kind)} '${record.id}'; a certificate can be in one enrollment only.`,
          );
        }
      }
    }
  }

  #nextEtag(): string {
    this.#etagCounter++;
    return `"${Buffer.from(this.#etagCounter.toString(16).padStart(16, "0"), "hex").toString("base64")}"`;
  }
}

function key(kind: EnrollmentKind, id: string): string {
  return `${kind}/${id.toLowerCase()}`;
}

function kindName(kind: EnrollmentKind): string {
  return kind === "enrollment" ? "enrollment" : "enrollment group";
}

/** Weak and strong etags compare by their opaque part; `*` matches any. */
function etagMatches(ifMatch: string, etag: string): boolean {
  const bare = (value: string) => value.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  return ifMatch.trim() === "*" || bare(ifMatch) === bare(etag);
}

interface ValidEnrollment {
  certificates: AttestedCertificate[];
  caReferences: string[];
  /** The attestation as GET returns it: `info` in place of the certificate text. */
  attestationOut: Record<string, unknown>;
}

function validate(kind: EnrollmentKind, input: Record<string, unknown>): ValidEnrollment {
  optionalEnum(input, "provisioningStatus", PROVISIONING_STATUSES);
  optionalEnum(input, "allocationPolicy", ALLOCATION_POLICIES);
  optionalType(input, "iotHubHostName", "string");
  optionalType(input, "deviceId", "string");
  if (input.iotHubs !== undefined) {
    if (!Array.isArray(input.iotHubs) || !input.iotHubs.every((hub) => typeof hub === "string")) {
      throw badRequest("iotHubs must be an array of IoT hub host names.");
    }
  }
  if (input.capabilities !== undefined) {
    const capabilities = asObject(input.capabilities, "capabilities");
    if (typeof capabilities.iotEdge !== "boolean")
      throw badRequest("capabilities.iotEdge must be a boolean.");
  }
  if (input.initialTwin !== undefined) {
    const twin = asObject(input.initialTwin, "initialTwin");
    if (twin.tags !== undefined) asObject(twin.tags, "initialTwin.tags");
    if (twin.properties !== undefined) asObject(twin.properties, "initialTwin.properties");
  }
  if (input.attestation === undefined) throw badRequest("attestation is required.");
  const attestation = asObject(input.attestation, "attestation");
  if (typeof attestation.type !== "string" || !ATTESTATION_TYPES.includes(attestation.type)) {
    throw badRequest(`attestation.type must be one of ${ATTESTATION_TYPES.join(", ")}.`);
  }
  if (attestation.type !== "x509") return { certificates: [], caReferences: [], attestationOut: attestation };
  const x509 = asObject(attestation.x509, "attestation.x509");
  const certificateMember = kind === "enrollment" ? "clientCertificates" : "signingCertificates";
  const forms = ["clientCertificates", "signingCertificates", "caReferences"].filter(
    (member) => x509[member] !== undefined && x509[member] !== null,
  );
  const allowed = [certificateMember, "caReferences"];
  if (forms.length !== 1 || !allowed.includes(forms[0] as string)) {
    throw badRequest(`attestation.x509 must hold exactly one of ${allowed.join(" or ")}.`);
  }
  if (forms[0] === "caReferences") {
    const references = asObject(x509.caReferences, "attestation.x509.caReferences");
    const names = (["primary", "secondary"] as const)
      .map((slot) => references[slot])
      .filter((name): name is string => typeof name === "string" && name !== "");
    if (names.length === 0) throw badRequest("attestation.x509.caReferences.primary is required.");
    return { certificates: [], caReferences: names, attestationOut: attestation };
  }
  const slots = asObject(x509[certificateMember], `attestation.x509.${certificateMember}`);
  const certificates: AttestedCertificate[] = [];
  const out: Record<string, unknown> = {};
  for (const slot of ["primary", "secondary"] as const) {
    if (slots[slot] === undefined || slots[slot] === null) continue;
    const entry = asObject(slots[slot], `attestation.x509.${certificateMember}.${slot}`);
    const certificate = requireCertificate(
      entry.certificate,
      `attestation.x509.${certificateMember}.${slot}.certificate`,
    );
    if (kind === "enrollmentGroup" && !certificate.ca) {
      throw badRequest("An enrollment group's signing certificate must be a CA certificate.");
    }
    certificates.push({ slot, certificate });
    out[slot] = { info: certificateInfo(certificate) };
  }
  if (certificates[0]?.slot !== "primary") {
    throw badRequest(`attestation.x509.${certificateMember}.primary is required.`);
  }
  return {
    certificates,
    caReferences: [],
    attestationOut: { type: "x509", x509: { [certificateMember]: out } },
  };
}

function optionalEnum(input: Record<string, unknown>, field: string, values: readonly string[]): void {
  const value = input[field];
  if (value !== undefined && (typeof value !== "string" || !values.includes(value))) {
    throw badRequest(`${field} must be one of ${values.join(", ")}.`);
  }
}

function optionalType(input: Record<string, unknown>, field: string, type: "string"): void {
  if (input[field] !== undefined && typeof input[field] !== type)
    throw badRequest(`${field} must be a ${type}.`);
}
