/**
 * Certificates and their pending operations. Each create makes a new certificate version backed by a
 * new (managed, non-exportable) key version with the same version id, as Key Vault does. Issuer
 * `Self` completes at once; issuer `Unknown` waits for a merge of a certificate for the CSR's key.
 */
import { createPublicKey, randomBytes } from "node:crypto";
import { buildCsr, buildSelfSigned } from "./certificate-builder.js";
import { type CertificatePolicy, isSelfIssuer, parseCertificatePolicy } from "./certificate-policy.js";
import { fromBase64 } from "./encoding.js";
import { badParameter, certificateNotFound, KeyVaultError, pendingCertificateNotFound } from "./errors.js";
import type { CreateKeyRequest, KeyStore, StoredKey } from "./key-store.js";
import { x509 } from "./x509.js";

export interface CertificateVersion {
  readonly name: string;
  readonly version: string;
  readonly policy: CertificatePolicy;
  enabled: boolean;
  /** Unix seconds. */
  notBefore: number | undefined;
  expires: number | undefined;
  readonly created: number;
  updated: number;
  tags: Record<string, string> | undefined;
  /** DER certificate, absent while the operation is pending. */
  cer: Uint8Array | undefined;
}

export type OperationStatus = "inProgress" | "completed";

export interface CertificateOperation {
  readonly name: string;
  readonly version: string;
  readonly requestId: string;
  readonly issuer: CertificatePolicy["issuer"];
  /** DER PKCS#10. */
  readonly csr: Uint8Array;
  status: OperationStatus;
  statusDetails: string;
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

export interface MergeRequest {
  x5c: unknown;
  enabled?: boolean | undefined;
  tags?: Record<string, string> | undefined;
}

export const PENDING_DETAILS = "Pending certificate created. Please Perform Merge to complete the request.";

export class CertificateStore {
  readonly #entries = new Map<string, CertificateEntry>();
  readonly #creating = new Set<string>();
  readonly #keys: KeyStore;
  readonly #clock: () => number;

  constructor(keys: KeyStore, clock: () => number) {
    this.#keys = keys;
    this.#clock = clock;
  }

  /**
   * Starts a certificate version. Returns the operation as it stood when the request was accepted
   * (`inProgress`), even for `Self`, which is completed before this returns.
   */
  async create(name: string, request: CreateCertificateRequest): Promise<CertificateOperation> {
    const entry = this.#entries.get(name);
    if (this.#creating.has(name) || entry?.operation?.status === "inProgress") {
      throw new KeyVaultError(
        409,
        "Conflict",
        `Certificate ${name} is currently being created; the pending operation must complete first.`,
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
      const key = await this.#newKey(name, version, policy, existingKey);
      const keys = await this.#keys.webCryptoPair(key);
      const csr = await buildCsr(policy, keys);
      const now = this.#seconds();
      const certificate: CertificateVersion = {
        name,
        version,
        policy,
        enabled: false,
        notBefore: undefined,
        expires: undefined,
        created: now,
        updated: now,
        tags: request.tags,
        cer: undefined,
      };
      const operation: CertificateOperation = {
        name,
        version,
        requestId: randomBytes(16).toString("hex"),
        issuer: policy.issuer,
        csr,
        status: "inProgress",
        statusDetails: PENDING_DETAILS,
      };
      const accepted = { ...operation };
      const target = entry ?? { versions: [], policy, policyCreated: now, policyUpdated: now, operation };
      if (entry) {
        entry.policyUpdated = entry.policy === policy ? entry.policyUpdated : now;
        entry.policy = policy;
        entry.operation = operation;
      }
      target.versions.push(certificate);
      this.#entries.set(name, target);
      if (isSelfIssuer(policy)) {
        const der = await buildSelfSigned(policy, keys, this.#clock());
        this.#complete(certificate, operation, der, request.enabled);
      }
      return accepted;
    } finally {
      this.#creating.delete(name);
    }
  }

  /** A version, or the latest (which may still be pending) when `version` is empty. */
  get(name: string, version?: string): CertificateVersion {
    const versions = this.#entries.get(name)?.versions;
    const found = version ? versions?.find((v) => v.version === version) : versions?.at(-1);
    if (!found) throw certificateNotFound(version ? `${name}/${version}` : name);
    return found;
  }

  /** Every version, oldest first, pending ones included. */
  versions(name: string): readonly CertificateVersion[] {
    const versions = this.#entries.get(name)?.versions;
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
    const operation = this.#entries.get(name)?.operation;
    if (!operation) throw pendingCertificateNotFound(name);
    return operation;
  }

  /** Completes a pending operation with a certificate issued for its key (`x5c[0]`, base64 DER). */
  merge(name: string, request: MergeRequest): CertificateVersion {
    const operation = this.#entries.get(name)?.operation;
    if (operation?.status !== "inProgress") throw pendingCertificateNotFound(name);
    const chain = parseX5c(request.x5c);
    const leaf = chain[0] as Uint8Array;
    let certificate: x509.X509Certificate;
    try {
      certificate = new x509.X509Certificate(leaf);
    } catch {
      throw badParameter("Property 'x5c[0]' is not a DER X.509 certificate.");
    }
    const key = this.#keys.get(name, operation.version);
    if (!samePublicKey(key, new Uint8Array(certificate.publicKey.rawData))) {
      throw badParameter("Public key from x5c[0] does not match the key of the pending certificate request.");
    }
    const version = this.get(name, operation.version);
    if (request.tags) version.tags = request.tags;
    this.#complete(version, operation, leaf, request.enabled);
    return version;
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
    operation.status = "completed";
    operation.statusDetails = "";
  }

  async #newKey(
    name: string,
    version: string,
    policy: CertificatePolicy,
    existing: StoredKey | undefined,
  ): Promise<StoredKey> {
    const { kty, crv, key_size: keySize, reuse_key: reuse } = policy.key_props;
    const request: CreateKeyRequest = { kty, crv, keySize, exportable: false, managed: true, version };
    if (reuse && existing && existing.kty === kty && existing.crv === crv && existing.keySize === keySize) {
      return this.#keys.addVersionFrom(name, existing, request);
    }
    return this.#keys.create(name, request);
  }

  #seconds(): number {
    return Math.floor(this.#clock() / 1000);
  }
}

function parseX5c(value: unknown): Uint8Array[] {
  if (!Array.isArray(value) || value.length === 0)
    throw badParameter("Property 'x5c' must be a non-empty array.");
  return value.map((item, i) => {
    const der = typeof item === "string" ? fromBase64(item) : undefined;
    if (!der || der.length === 0) throw badParameter(`Property 'x5c[${i}]' must be base64-encoded DER.`);
    return der;
  });
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
