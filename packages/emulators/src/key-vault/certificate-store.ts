/**
 * Certificates and their pending operations, with the lifecycle real vaults show (each point cites
 * its source in the package README):
 * - a create makes a new certificate version backed by a new (managed, non-exportable) key version
 *   of the same id; both are disabled while the operation is pending, so the pending key cannot sign;
 * - issuer `Self` completes on its own, after `selfSignedDelayMs`, keeping the version id;
 * - issuer `Unknown` waits for a merge of a certificate for the CSR's key; the merge gives the
 *   certificate and its key a new version id, and the pending version id is gone;
 * - a completed version's key mirrors the certificate: enabled, with its notBefore and notAfter.
 */
import { createPublicKey, randomBytes } from "node:crypto";
import { buildCsr, buildSelfSigned } from "./certificate-builder.js";
import {
  type CertificatePolicy,
  isSelfIssuer,
  keyOperationsFor,
  parseCertificatePolicy,
} from "./certificate-policy.js";
import {
  badParameter,
  certificateNotFound,
  deletedCertificateNotFound,
  KeyVaultError,
  pendingCertificateNotFound,
} from "./errors.js";
import type { KeyAttributes, KeyStore, StoredKey } from "./key-store.js";
import { parseX5c } from "./x5c.js";
import { x509 } from "./x509.js";

export interface CertificateVersion {
  readonly name: string;
  readonly version: string;
  readonly policy: CertificatePolicy;
  enabled: boolean;
  /** Unix seconds: while pending, the planned validity; once completed, the certificate's. */
  notBefore: number;
  expires: number;
  readonly created: number;
  updated: number;
  tags: Record<string, string> | undefined;
  /** DER certificate, absent while the operation is pending. */
  cer: Uint8Array | undefined;
}

export type OperationStatus = "inProgress" | "completed";

export interface CertificateOperation {
  readonly name: string;
  /** The version the operation creates; a merge moves it to the completed version's new id. */
  version: string;
  readonly requestId: string;
  readonly issuer: CertificatePolicy["issuer"];
  /** DER PKCS#10. */
  readonly csr: Uint8Array;
  status: OperationStatus;
  statusDetails: string;
  /** Issuer `Self`: what Key Vault signed, and when (ms) the operation completes with it. */
  selfSigned?: { der: Uint8Array; completesAt: number; enabled: boolean | undefined };
}

/** A soft-deleted certificate: recoverable (not implemented) or purgeable, its name not reusable until purged. */
export interface DeletedCertificate {
  /** The latest version when it was deleted, and the policy then. */
  latest: CertificateVersion;
  policy: ReturnType<CertificateStore["policy"]>;
  /** Unix seconds. */
  deletedDate: number;
  scheduledPurgeDate: number;
}

interface CertificateEntry {
  versions: CertificateVersion[];
  policy: CertificatePolicy;
  policyCreated: number;
  policyUpdated: number;
  operation: CertificateOperation | undefined;
}

export interface CreateCertificateRequest {
  policy: unknown;
  enabled?: boolean | undefined;
  tags?: Record<string, string> | undefined;
}

export interface UpdateCertificateRequest {
  enabled?: boolean | undefined;
  tags?: Record<string, string> | undefined;
}

export interface MergeRequest {
  x5c: unknown;
  enabled?: boolean | undefined;
  tags?: Record<string, string> | undefined;
}

export interface CertificateStoreOptions {
  clock: () => number;
  /** How long an issuer `Self` operation stays in progress, in ms (real vaults take seconds). */
  selfSignedDelayMs: number;
}

export const PENDING_DETAILS = "Pending certificate created. Please Perform Merge to complete the request.";
const SELF_PENDING_DETAILS =
  "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.";

/** Days a deleted certificate stays recoverable (`recoverableDays` of the versions). */
export const RETENTION_DAYS = 90;

/** A pending version's planned validity starts this long before its creation, as recorded. */
const PENDING_NOT_BEFORE_LEAD_SECONDS = 600;

export class CertificateStore {
  readonly #entries = new Map<string, CertificateEntry>();
  readonly #deleted = new Map<string, DeletedCertificate>();
  readonly #creating = new Set<string>();
  readonly #keys: KeyStore;
  readonly #options: CertificateStoreOptions;

  constructor(keys: KeyStore, options: CertificateStoreOptions) {
    this.#keys = keys;
    this.#options = options;
  }

  /**
   * Starts a certificate version. Returns the operation as it stood when the request was accepted
   * (`inProgress`), even for a `Self` operation that completes at once.
   */
  async create(name: string, request: CreateCertificateRequest): Promise<CertificateOperation> {
    const entry = this.#settled(name);
    if (this.#deleted.has(name)) {
      throw new KeyVaultError(
        409,
        "Conflict",
        `Certificate ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.`,
      );
    }
    if (this.#creating.has(name) || entry?.operation?.status === "inProgress") {
      // The status and code of create-certificate-scenarios.md, "Create (or Import) when pending
      // request exists".
      throw new KeyVaultError(
        409,
        "Forbidden",
        "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress.",
      );
    }
    const policy = parseCertificatePolicy(request.policy, entry?.policy);
    const existingKey = this.#keys.latest(name);
    if (existingKey && !existingKey.managed) {
      throw new KeyVaultError(
        409,
        "Conflict",
        `A key named ${name} already exists and is not managed by a certificate.`,
      );
    }
    this.#creating.add(name);
    try {
      const version = randomBytes(16).toString("hex");
      const now = this.#seconds();
      const planned = {
        enabled: false,
        notBefore: now - PENDING_NOT_BEFORE_LEAD_SECONDS,
        expires: addMonths(now, policy.x509_props.validity_months),
      };
      const key = await this.#newKey(name, version, policy, existingKey, planned);
      const keys = await this.#keys.webCryptoPair(key);
      const csr = await buildCsr(policy, keys);
      const certificate: CertificateVersion = {
        name,
        version,
        policy,
        ...planned,
        created: now,
        updated: now,
        tags: request.tags,
        cer: undefined,
      };
      const self = isSelfIssuer(policy);
      const operation: CertificateOperation = {
        name,
        version,
        requestId: randomBytes(16).toString("hex"),
        issuer: policy.issuer,
        csr,
        status: "inProgress",
        statusDetails: self ? SELF_PENDING_DETAILS : PENDING_DETAILS,
      };
      if (self) {
        const der = await buildSelfSigned(policy, keys, this.#options.clock());
        operation.selfSigned = {
          der,
          completesAt: this.#options.clock() + this.#options.selfSignedDelayMs,
          enabled: request.enabled,
        };
      }
      const accepted = { ...operation };
      const target = entry ?? { versions: [], policy, policyCreated: now, policyUpdated: now, operation };
      if (entry) {
        entry.policyUpdated = entry.policy === policy ? entry.policyUpdated : now;
        entry.policy = policy;
        entry.operation = operation;
      }
      target.versions.push(certificate);
      this.#entries.set(name, target);
      this.#settled(name);
      return accepted;
    } finally {
      this.#creating.delete(name);
    }
  }

  /** A version, or the latest (which may still be pending) when `version` is empty. */
  get(name: string, version?: string): CertificateVersion {
    const versions = this.#settled(name)?.versions;
    const found = version ? versions?.find((v) => v.version === version) : versions?.at(-1);
    if (!found) throw certificateNotFound(version ? `${name}/${version}` : name);
    return found;
  }

  /** Every version, oldest first, pending ones included. */
  versions(name: string): readonly CertificateVersion[] {
    const versions = this.#settled(name)?.versions;
    if (!versions) throw certificateNotFound(name);
    return versions;
  }

  /** The current policy with its timestamps. */
  policy(name: string): { policy: CertificatePolicy; created: number; updated: number } {
    const entry = this.#entries.get(name);
    if (!entry) throw certificateNotFound(name);
    return { policy: entry.policy, created: entry.policyCreated, updated: entry.policyUpdated };
  }

  /** The latest operation (pending or completed); 404 PendingCertificateNotFound if none. */
  operation(name: string): CertificateOperation {
    const operation = this.#settled(name)?.operation;
    if (!operation) throw pendingCertificateNotFound(name);
    return operation;
  }

  /**
   * Update certificate: a version's `enabled` and tags, as `updateCertificateProperties` sends them.
   * The version's key takes the same `enabled`, as Key Vault keeps a certificate's key (and secret)
   * in step with it: a disabled version's key signs nothing (403 KeyDisabled).
   */
  update(name: string, version: string, request: UpdateCertificateRequest): CertificateVersion {
    const found = this.get(name, version);
    if (request.enabled !== undefined) found.enabled = request.enabled;
    if (request.tags !== undefined) found.tags = request.tags;
    found.updated = this.#seconds();
    this.#keys.setAttributes(this.#keys.get(found.name, found.version), found);
    return found;
  }

  /**
   * Completes a pending `Unknown` operation with a certificate issued for its key (`x5c[0]`): the
   * completed version, under a new version id.
   */
  merge(name: string, request: MergeRequest): CertificateVersion {
    const entry = this.#settled(name);
    const operation = entry?.operation;
    if (!entry || operation?.status !== "inProgress") throw pendingCertificateNotFound(name);
    if (operation.selfSigned) {
      throw new KeyVaultError(
        403,
        "Forbidden",
        `Merge is forbidden on pending object created with issuer : ${operation.issuer.name} while it is in progess.`,
      );
    }
    const leaf = parseX5c(request.x5c)[0] as Uint8Array;
    let certificate: x509.X509Certificate;
    try {
      certificate = new x509.X509Certificate(leaf);
    } catch {
      throw badParameter("Property 'x5c[0]' is not an X.509 certificate.");
    }
    const pendingKey = this.#keys.get(name, operation.version);
    if (!samePublicKey(pendingKey, new Uint8Array(certificate.publicKey.rawData))) {
      throw badParameter("Public key from x5c[0] does not match the key of the pending certificate request.");
    }
    const pending = this.get(name, operation.version);
    const version = randomBytes(16).toString("hex");
    const now = this.#seconds();
    const merged: CertificateVersion = {
      ...pending,
      version,
      created: now,
      updated: now,
      tags: request.tags ?? pending.tags,
    };
    this.#keys.addVersionFrom(name, pendingKey, {
      kty: pendingKey.kty,
      crv: pendingKey.crv,
      keySize: pendingKey.keySize,
      keyOps: [...pendingKey.keyOps],
      exportable: false,
      managed: true,
      version,
      enabled: false,
    });
    this.#keys.remove(pendingKey);
    entry.versions = entry.versions.map((candidate) => (candidate === pending ? merged : candidate));
    operation.version = version;
    this.#complete(merged, operation, leaf, request.enabled);
    return merged;
  }

  /**
   * Deletes the certificate with every version, its pending operation and its key, as a vault
   * with soft-delete does (the default since 2020): it stays readable as deleted until purged.
   */
  delete(name: string): DeletedCertificate {
    const latest = this.get(name);
    const deletedDate = this.#seconds();
    const deleted = {
      latest,
      policy: this.policy(name),
      deletedDate,
      scheduledPurgeDate: deletedDate + RETENTION_DAYS * 86_400,
    };
    this.#entries.delete(name);
    this.#keys.removeAll(name);
    this.#deleted.set(name, deleted);
    return deleted;
  }

  /** A deleted certificate; 404 when there is none of that name. */
  deletedCertificate(name: string): DeletedCertificate {
    const deleted = this.#deleted.get(name);
    if (!deleted) throw deletedCertificateNotFound(name);
    return deleted;
  }

  /** Forgets a deleted certificate for good, so that its name can be used again. */
  purge(name: string): void {
    if (!this.#deleted.delete(name)) throw deletedCertificateNotFound(name);
  }

  /** The entry, with an issuer `Self` operation completed once its time has come. */
  #settled(name: string): CertificateEntry | undefined {
    const entry = this.#entries.get(name);
    const operation = entry?.operation;
    const self = operation?.selfSigned;
    if (entry && operation?.status === "inProgress" && self && this.#options.clock() >= self.completesAt) {
      const version = entry.versions.find((candidate) => candidate.version === operation.version);
      if (version) this.#complete(version, operation, self.der, self.enabled);
    }
    return entry;
  }

  #complete(
    version: CertificateVersion,
    operation: CertificateOperation,
    der: Uint8Array,
    enabled: boolean | undefined,
  ): void {
    const certificate = new x509.X509Certificate(der);
    version.cer = der;
    version.enabled = enabled ?? true;
    version.notBefore = Math.floor(certificate.notBefore.getTime() / 1000);
    version.expires = Math.floor(certificate.notAfter.getTime() / 1000);
    version.updated = this.#seconds();
    this.#keys.setAttributes(this.#keys.get(version.name, version.version), version);
    operation.status = "completed";
    operation.statusDetails = "";
  }

  #newKey(
    name: string,
    version: string,
    policy: CertificatePolicy,
    existing: StoredKey | undefined,
    attributes: KeyAttributes,
  ): Promise<StoredKey> | StoredKey {
    const { kty, crv, key_size: keySize, reuse_key: reuse } = policy.key_props;
    const request = {
      kty,
      crv,
      keySize,
      keyOps: keyOperationsFor(policy),
      exportable: false,
      managed: true,
      version,
      ...attributes,
    };
    if (reuse && existing && existing.kty === kty && existing.crv === crv && existing.keySize === keySize) {
      return this.#keys.addVersionFrom(name, existing, request);
    }
    return this.#keys.create(name, request);
  }

  #seconds(): number {
    return Math.floor(this.#options.clock() / 1000);
  }
}

/** Unix seconds plus whole calendar months, as Key Vault counts `validity_months`. */
function addMonths(seconds: number, months: number): number {
  const date = new Date(seconds * 1000);
  date.setUTCMonth(date.getUTCMonth() + months);
  return Math.floor(date.getTime() / 1000);
}

function samePublicKey(key: StoredKey, spki: Uint8Array): boolean {
  try {
    const jwk = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).export({
      format: "jwk",
    });
    const own = key.publicJwk;
    return (
      jwk.kty === own.kty &&
      jwk.crv === own.crv &&
      jwk.x === own.x &&
      jwk.y === own.y &&
      jwk.n === own.n &&
      jwk.e === own.e
    );
  } catch {
    return false;
  }
}
