import { createPublicKey } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  CertificateClient,
  CertificateProperties,
  KeyVaultCertificate,
} from "@azure/keyvault-certificates";
import {
  type CryptographyClient,
  type KeyClient,
  type KeyVaultKey,
  parseKeyVaultKeyIdentifier,
} from "@azure/keyvault-keys";
import { abortAfter } from "./abort-after.js";
import {
  type CallOptions,
  type CertificateCreation,
  type KeyVaultClient,
  VaultCallError,
  type VaultCertificate,
  type VaultKey,
  type VaultOperation,
  type VaultSignatureAlgorithm,
} from "./key-vault-client.js";
import { toVaultCallError, type VaultRole } from "./vault-failure.js";

export interface SdkClients {
  /**
   * Certificates: read, create, pending operation, merge. Built with the throttle retry policy
   * (`sdk-clients.ts`), so a 429 without Retry-After is waited out too.
   */
  certificates: CertificateClient;
  /** Keys: public keys of certificate keys; same retry policy. */
  keys: KeyClient;
  /**
   * Keys again, built with `retryOptions: { maxRetries: 0 }`: signing (the signing policy retries
   * itself, so that it sees every 429 and can slow down) and the readiness probe. Every key's
   * CryptographyClient shares this one pipeline, so the 401 challenge is answered once.
   */
  unretried: KeyClient;
}

export interface SdkKeyVaultClientOptions {
  /**
   * Each read, create or merge in total, 429 waits and retries included; then it fails. Default
   * 60 s: init and start wait out a busy vault, but not forever.
   */
  callDeadlineMs?: number;
}

/** One key version's CryptographyClient, and its first call, which the others wait for. */
interface KeySigner {
  client: CryptographyClient;
  first?: Promise<unknown>;
}

/** Polls of an operation in progress: quick at first, then every 2 s (Self takes seconds). */
const operationPollMs = (poll: number) => Math.min(2_000, 100 * 2 ** poll);

/** The KeyVaultClient port over the official `@azure/keyvault-*` clients. */
export class SdkKeyVaultClient implements KeyVaultClient {
  readonly vaultUrl: string;
  readonly #signers = new Map<string, KeySigner>();
  readonly #callDeadlineMs: number;

  constructor(
    private readonly clients: SdkClients,
    options: SdkKeyVaultClientOptions = {},
  ) {
    this.vaultUrl = clients.keys.vaultUrl;
    this.#callDeadlineMs = options.callDeadlineMs ?? 60_000;
  }

  async getCertificate(name: string): Promise<VaultCertificate | undefined> {
    const { certificates } = this.clients;
    const read = `read certificate ${name}`;
    const latest = await this.#absentOn404(read, "readCertificates", (abortSignal) =>
      certificates.getCertificate(name, { abortSignal }),
    );
    if (!latest) return undefined;
    if (isIssued(latest)) return vaultCertificate(name, latest);
    // The latest version is pending (its key and CSR exist, no `cer` yet) or disabled. That can be
    // a rotation begun on a CA that exists, or the last step of init: the issued version still
    // stands, and must win, or init would build a new CA on the pending key.
    const issued = await this.#enabledCompletedVersions(name);
    // Newest first; the listing's order is not specified, so later entries win ties.
    issued.reverse().sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0));
    for (const { version } of issued) {
      const certificate = await this.#call(read, "readCertificates", (abortSignal) =>
        certificates.getCertificateVersion(name, version as string, { abortSignal }),
      );
      if (isIssued(certificate)) return vaultCertificate(name, certificate);
    }
    return undefined;
  }

  async disableOtherVersions(name: string, keep: string): Promise<string[]> {
    const { certificates } = this.clients;
    const others = (await this.#enabledCompletedVersions(name))
      .map((properties) => properties.version as string)
      .filter((version) => version !== keep);
    const disabled: string[] = [];
    for (const version of others) {
      const updated = await this.#call(
        `disable version ${version} of certificate ${name}`,
        "certificates",
        (abortSignal) =>
          certificates.updateCertificateProperties(name, version, { enabled: false, abortSignal }),
      );
      disabled.push(updated.keyId ?? `${this.vaultUrl}/keys/${name}/${version}`);
    }
    return disabled;
  }

  /** The versions that are completed (they have a thumbprint; a pending one has none) and enabled. */
  async #enabledCompletedVersions(name: string): Promise<CertificateProperties[]> {
    const versions: CertificateProperties[] = [];
    await this.#call(`list the versions of certificate ${name}`, "readCertificates", async (abortSignal) => {
      for await (const properties of this.clients.certificates.listPropertiesOfCertificateVersions(name, {
        abortSignal,
      })) {
        if (properties.enabled !== false && properties.x509Thumbprint && properties.version)
          versions.push(properties);
      }
    });
    return versions;
  }

  async getPendingOperation(name: string): Promise<VaultOperation | undefined> {
    const operation = await this.#operation(name);
    if (operation?.status !== "inProgress") return undefined;
    if (!operation.csr) throw new Error(`the pending operation of certificate ${name} has no CSR`);
    return { issuer: operation.issuerName ?? "Unknown", csr: operation.csr };
  }

  async createCertificate(name: string, creation: CertificateCreation): Promise<void> {
    const { key } = creation;
    const keyProperties =
      key.keyType === "EC"
        ? { keyType: key.hsm ? ("EC-HSM" as const) : ("EC" as const), keyCurveName: key.curve }
        : { keyType: key.hsm ? ("RSA-HSM" as const) : ("RSA" as const), keySize: key.keySize };
    // The SDK returns after its first poll; the operation stays in progress until Key Vault (Self)
    // or a merge completes it: never pollUntilDone here.
    await this.#call(`create certificate ${name}`, "certificates", (abortSignal) =>
      this.clients.certificates.beginCreateCertificate(
        name,
        {
          issuerName: creation.issuer,
          subject: creation.subject,
          ...keyProperties,
          exportable: false,
          reuseKey: creation.reuseKey,
          keyUsage: creation.keyUsage,
          ...(creation.validityMonths === undefined ? {} : { validityInMonths: creation.validityMonths }),
          // Not Key Vault's AutoRenew: a renewal would make a version we did not ask for.
          lifetimeActions: [{ action: "EmailContacts", lifetimePercentage: 80 }],
        },
        { abortSignal, ...(creation.tags ? { tags: creation.tags } : {}) },
      ),
    );
  }

  async waitForOperation(name: string): Promise<void> {
    const deadline = Date.now() + this.#callDeadlineMs;
    for (let poll = 0; (await this.#operation(name))?.status === "inProgress"; poll++) {
      const wait = operationPollMs(poll);
      if (Date.now() + wait > deadline) {
        throw new VaultCallError(
          "transient",
          `Key Vault ${this.vaultUrl}: certificate ${name} was still in progress after ${this.#callDeadlineMs} ms`,
        );
      }
      await sleep(wait);
    }
  }

  async mergeCertificate(name: string, certificateDer: Uint8Array): Promise<VaultCertificate> {
    const merged = await this.#call(`merge certificate ${name}`, "certificates", (abortSignal) =>
      this.clients.certificates.mergeCertificate(name, [certificateDer], { abortSignal }),
    );
    if (!isIssued(merged)) throw new Error(`the merge of certificate ${name} returned no certificate`);
    return vaultCertificate(name, merged);
  }

  async getKey(name: string, version: string): Promise<VaultKey> {
    const key = await this.#call(`get key ${name}`, "crypto", (abortSignal) =>
      this.clients.keys.getKey(name, { version, abortSignal }),
    );
    const id = key.id;
    if (!key.key || !id || !key.properties.version)
      throw new Error(`key ${name} came back without a version`);
    if (!this.#signers.has(id)) {
      const keyVersion = key.properties.version;
      this.#signers.set(id, {
        client: this.clients.unretried.getCryptographyClient(key.name, { keyVersion }),
      });
    }
    return { id, publicKeySpki: publicKeySpkiOf(key) };
  }

  async probe(keyName: string, options: CallOptions): Promise<void> {
    await this.#attempt(`get key ${keyName}`, "crypto", () =>
      this.clients.unretried.getKey(keyName, { abortSignal: options.abortSignal }),
    );
  }

  async sign(
    keyId: string,
    algorithm: VaultSignatureAlgorithm,
    digest: Uint8Array,
    options: CallOptions,
  ): Promise<Uint8Array> {
    const signer = this.#signers.get(keyId);
    if (!signer) throw new Error(`key ${keyId} was not loaded through getKey`);
    // A client's first call answers the challenge (when the pipeline has not yet) and fetches the
    // key; a burst behind it waits for that instead of doing the same 32 times over.
    if (signer.first) await signer.first.catch(() => undefined);
    const call = this.#attempt(`sign with key ${keyId}`, "crypto", () =>
      signer.client.sign(algorithm, digest, { abortSignal: options.abortSignal }),
    );
    signer.first ??= call;
    return (await call).result;
  }

  /** The certificate's latest operation (any status), or undefined when it has none. */
  async #operation(name: string) {
    const poller = await this.#absentOn404(
      `read the pending operation of certificate ${name}`,
      "certificates",
      (abortSignal) => this.clients.certificates.getCertificateOperation(name, { abortSignal }),
    );
    return poller?.getOperationState().certificateOperation;
  }

  /**
   * One read, create or merge within the call deadline (the SDK's retries included); a failure
   * becomes a VaultCallError naming the vault, the operation and the role.
   */
  async #call<T>(operation: string, role: VaultRole, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = abortAfter(this.#callDeadlineMs);
    try {
      return await this.#attempt(operation, role, () => call(deadline.signal));
    } catch (error) {
      if (!deadline.signal.aborted) throw error;
      throw new VaultCallError(
        "transient",
        `Key Vault ${this.vaultUrl}: ${operation} failed: no success within ${this.#callDeadlineMs} ms (the vault kept throttling, failing or not answering)`,
        undefined,
        { cause: error },
      );
    } finally {
      deadline.clear();
    }
  }

  /** Runs one SDK call; a failure becomes a VaultCallError naming the vault, the operation and the role. */
  async #attempt<T>(operation: string, role: VaultRole, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toVaultCallError(error, { vaultUrl: this.vaultUrl, operation, role });
    }
  }

  async #absentOn404<T>(
    operation: string,
    role: VaultRole,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.#call(operation, role, call);
    } catch (error) {
      if (error instanceof VaultCallError && error.status === 404) return undefined;
      throw error;
    }
  }
}

/** A completed, enabled version: it has its certificate, and the versioned id of its key. */
function isIssued(certificate: KeyVaultCertificate): boolean {
  return (
    certificate.cer !== undefined && certificate.cer.length > 0 && certificate.properties.enabled !== false
  );
}

function vaultCertificate(name: string, certificate: KeyVaultCertificate): VaultCertificate {
  const key = certificate.keyId ? parseKeyVaultKeyIdentifier(certificate.keyId) : undefined;
  if (!key?.version) throw new Error(`certificate ${name} names no versioned key (${certificate.keyId})`);
  return {
    certificateDer: certificate.cer as Uint8Array,
    keyName: key.name,
    keyVersion: key.version,
    tags: { ...certificate.properties.tags },
  };
}

function publicKeySpkiOf(key: KeyVaultKey): Uint8Array {
  const jwk = key.key ?? {};
  const b64u = (bytes: Uint8Array | undefined) =>
    Buffer.from(bytes ?? new Uint8Array()).toString("base64url");
  const publicJwk = jwk.kty?.startsWith("EC")
    ? { kty: "EC", crv: jwk.crv, x: b64u(jwk.x), y: b64u(jwk.y) }
    : { kty: "RSA", n: b64u(jwk.n), e: b64u(jwk.e) };
  return new Uint8Array(
    createPublicKey({ key: publicJwk, format: "jwk" }).export({ format: "der", type: "spki" }),
  );
}
