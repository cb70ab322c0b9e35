import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  ApiToken,
  ApiTokenList,
  AuditEntry,
  AuditPage,
  BlockEstDeviceRequest,
  BootstrapToken,
  CaInfo,
  CertificateList,
  CertificateRecord,
  CreatedEstCredential,
  CreateEstCredentialRequest,
  EstCredential,
  EstCredentialList,
  EstDeviceBlock,
  EstDeviceBlockList,
  IssuedCertificate,
  RevocationReason,
  VerificationCertificate,
  VerificationIssuer,
} from "@edge-pki/api-contract";
import { buildPfx } from "@edge-pki/host-kit/pkcs";
import { authorizationFor, type Credential } from "./core/credential.js";
import { type CallOptions, RequestCore } from "./core/request-core.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./core/retry-policy.js";
import { buildCsr } from "./device/csr.js";
import type { DeviceIdentity } from "./device/device-identity.js";
import { type DeviceKeyAlgorithm, keyAlgorithmOf } from "./device/key-algorithm.js";
import { generateDeviceKey, privateKeyPem } from "./device/key-pair.js";
import { pemBlocks } from "./device/pem.js";
import { renewalProof } from "./device/renewal-proof.js";
import { UnavailableError } from "./errors.js";
import { SDK_VERSION } from "./version.js";

/**
 * How an `EdgePkiClient` reaches and authenticates to the service.
 *
 * @example
 * ```ts
 * const options: EdgePkiClientOptions = { baseUrl: "https://pki.example.com", credential: token, timeoutMs: 10_000 };
 * ```
 */
export interface EdgePkiClientOptions {
  /** The service's URL, such as `https://pki.example.com` (a path prefix is kept). */
  baseUrl: string | URL;
  /** An API token, a `bootstrapToken(…)`, or a `TokenCredential`; public calls need none. */
  credential?: Credential;
  /** With a `TokenCredential`: the scopes to ask for, such as `api://edge-pki/.default`. */
  scopes?: string | string[];
  /** For each attempt of a call. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt (network errors, 429, 503). Default 2. */
  maxRetries?: number;
  /** Backoff between retries; `Retry-After` wins when the service sends one. */
  backoff?: Partial<Omit<RetryPolicy, "maxRetries">>;
  /** A `fetch` to use instead of the global one (a proxy agent, a test's fault injection). */
  fetch?: typeof globalThis.fetch;
  /** Prepended to the SDK's own `User-Agent`, such as `line7-station/2.1`. */
  userAgent?: string;
}

/** Options of the calls that issue: validity, and the key algorithm of a new key. */
export interface IssueOptions extends CallOptions {
  /** 1 to 36500; the service's policy maximum when absent, shortened by its limits. */
  validityDays?: number;
  /** Refuse (400 `validity_exceeds_limit`) instead of shortening `validityDays`. */
  strict?: boolean;
  /** Default `ECDSA_P256`. */
  keyAlgorithm?: DeviceKeyAlgorithm;
}

/** What `renew` needs: the device's current chain (leaf first) and key. */
export interface RenewOptions extends CallOptions {
  certificateChainPem: string;
  privateKeyPem: string;
  /** Make a new key of this algorithm; by default the current key is kept. */
  newKeyAlgorithm?: DeviceKeyAlgorithm;
}

/**
 * What `getReadiness` tells: ready, with what the service checked, or not (its 503), with why.
 *
 * @example
 * ```ts
 * const readiness = await client.getReadiness();
 * if (readiness.status === "unavailable") console.log(readiness.detail);
 * ```
 */
export type Readiness =
  | { status: "ok"; checks?: Record<string, string> }
  | { status: "unavailable"; detail: string };

/** Paging of the audit log. */
export interface AuditOptions extends CallOptions {
  /** Start after this entry id (a `next` cursor); from the beginning when absent. */
  after?: number | string;
  /** Entries per request, 1 to 1000. Default 100. */
  pageSize?: number;
}

/**
 * The Edge PKI API: one method per operation of the contract's table, with typed answers and errors,
 * timeouts, retries and idempotency keys.
 *
 * @example
 * ```ts
 * import { DefaultAzureCredential } from "@azure/identity";
 * import { EdgePkiClient, writeDeviceFiles } from "@edge-pki/client-sdk";
 *
 * const client = new EdgePkiClient({
 *   baseUrl: "https://pki.example.com",
 *   credential: new DefaultAzureCredential(),
 *   scopes: "api://edge-pki/.default",
 * });
 * const identity = await client.createDeviceIdentity("line7-0001");
 * await writeDeviceFiles("./out", identity);
 * ```
 */
export class EdgePkiClient {
  readonly #core: RequestCore;

  constructor(options: EdgePkiClientOptions) {
    const baseUrl = new URL(options.baseUrl);
    if (baseUrl.protocol !== "https:" && baseUrl.protocol !== "http:") {
      throw new TypeError(`baseUrl must be http:// or https://, not ${baseUrl.protocol}`);
    }
    // fetch refuses such a URL, and every message would then quote the password in it.
    if (baseUrl.username !== "" || baseUrl.password !== "") {
      throw new TypeError(
        `baseUrl must not hold a user name or password (${baseUrl.protocol}//***@${baseUrl.host}): give the credential as credential`,
      );
    }
    this.#core = new RequestCore({
      baseUrl,
      authorization:
        options.credential === undefined ? undefined : authorizationFor(options.credential, options.scopes),
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.backoff, maxRetries: options.maxRetries ?? 2 },
      fetch: options.fetch ?? globalThis.fetch,
      userAgent: [options.userAgent, `edge-pki-client-sdk/${SDK_VERSION}`, `node/${process.versions.node}`]
        .filter(Boolean)
        .join(" "),
      sleep: (milliseconds, signal) => sleep(milliseconds, undefined, { signal }),
      random: Math.random,
      now: Date.now,
    });
  }

  /**
   * Makes a key pair here, sends a CSR for it, and returns the key with the certificate and the
   * chain. The key never leaves this process. With `pfxPassword`, a PKCS#12 of the key and the
   * chain is built here too (PBES2, AES-256, as `openssl pkcs12 -export` writes).
   *
   * @example
   * ```ts
   * const identity = await client.createDeviceIdentity("line7-0001", { keyAlgorithm: "ECDSA_P256" });
   * await writeDeviceFiles("./out", identity);
   * ```
   */
  async createDeviceIdentity(
    deviceId: string,
    options: IssueOptions & { pfxPassword?: string } = {},
  ): Promise<DeviceIdentity> {
    const { keyAlgorithm = "ECDSA_P256", validityDays, strict, pfxPassword, ...call } = options;
    // Checked before the request: a certificate must not be issued for a PKCS#12 that cannot be built.
    if (pfxPassword !== undefined) assertPfxPassword(pfxPassword);
    const key = await generateDeviceKey(keyAlgorithm);
    const csr = await buildCsr(deviceId, key);
    const issued = await this.issueCertificate({ csr: csr.pem, deviceId, validityDays, strict }, call);
    const pfx =
      pfxPassword === undefined
        ? undefined
        : buildPfx({
            privateKeyPkcs8: key.privateKey.export({ format: "der", type: "pkcs8" }),
            certificates: pemBlocks(issued.fullChainPem, "CERTIFICATE"),
            password: pfxPassword,
            friendlyName: deviceId,
          });
    return { ...issued, keyAlgorithm, privateKeyPem: privateKeyPem(key.privateKey), ...(pfx && { pfx }) };
  }

  /**
   * Issues a certificate for a CSR you made (`POST /v1/certificates`).
   *
   * @example
   * ```ts
   * const issued = await client.issueCertificate({ csr: csrPem, validityDays: 365 });
   * ```
   */
  issueCertificate(
    request: { csr: string; deviceId?: string; validityDays?: number; strict?: boolean },
    options?: CallOptions,
  ): Promise<IssuedCertificate> {
    return this.#core.call("issueCertificate", { body: request }, options);
  }

  /**
   * Server-side key generation (`POST /v1/credentials`), for lines that inject keys: the service
   * makes the key and returns it once. A retry that reaches the service after it issued gets
   * `CredentialsAlreadyIssuedError` with the serial number (the key is never stored).
   *
   * @example
   * ```ts
   * const identity = await client.issueCredentials("line7-0002", { pfxPassword: "…" });
   * ```
   */
  async issueCredentials(
    deviceId: string,
    options: IssueOptions & { pfxPassword?: string } = {},
  ): Promise<DeviceIdentity> {
    const { keyAlgorithm = "ECDSA_P256", validityDays, strict, pfxPassword, ...call } = options;
    const { privateKeyPem, pfxBase64, ...issued } = await this.#core.call(
      "issueCredentials",
      { body: { deviceId, keyAlgorithm, validityDays, strict, pfxPassword } },
      call,
    );
    const pfx = pfxBase64 === undefined ? undefined : new Uint8Array(Buffer.from(pfxBase64, "base64"));
    return { ...issued, keyAlgorithm, privateKeyPem, ...(pfx && { pfx }) };
  }

  /**
   * Renews a device certificate with a proof of possession of its current key (no token needed).
   * Keeps the key unless `newKeyAlgorithm` is given. Renewal is not retried after a lost answer:
   * the proof is single-use and a certificate renews once.
   *
   * @example
   * ```ts
   * const renewed = await client.renew({ certificateChainPem, privateKeyPem, newKeyAlgorithm: "ECDSA_P256" });
   * ```
   */
  async renew(options: RenewOptions): Promise<DeviceIdentity> {
    const { certificateChainPem, privateKeyPem: currentPem, newKeyAlgorithm, ...call } = options;
    const privateKey = createPrivateKey(currentPem);
    const algorithm = keyAlgorithmOf(privateKey);
    if (algorithm === undefined) throw new TypeError("the current key is not ECDSA P-256, P-384 or RSA-2048");
    const next =
      newKeyAlgorithm === undefined
        ? { algorithm, privateKey, publicKey: createPublicKey(privateKey) }
        : await generateDeviceKey(newKeyAlgorithm);
    const leaf = pemBlocks(certificateChainPem, "CERTIFICATE")[0];
    if (leaf === undefined) throw new TypeError("certificateChainPem holds no certificate");
    const current = new X509Certificate(leaf);
    // A proof with another key would be refused; say so before the request.
    if (!current.checkPrivateKey(privateKey)) {
      throw new TypeError("privateKeyPem does not belong to the first certificate of certificateChainPem");
    }
    // The new CSR keeps the current CN, which the service requires.
    const deviceId = current.subject.replace(/^CN=/, "");
    const csr = await buildCsr(deviceId, next);
    const proof = await renewalProof({ algorithm, privateKey, chainPem: certificateChainPem }, csr);
    const issued = await this.#core.call("renewCertificate", { body: { csr: csr.pem, proof } }, call);
    return {
      ...issued,
      keyAlgorithm: next.algorithm,
      privateKeyPem: newKeyAlgorithm === undefined ? currentPem : privateKeyPem(next.privateKey),
    };
  }

  /**
   * Revokes a certificate for good (the CRL is re-signed at once). Again with the same reason, it
   * returns the record unchanged.
   *
   * @example
   * ```ts
   * await client.revoke("4f1c…", "keyCompromise");
   * ```
   */
  revoke(serialNumber: string, reason: RevocationReason, options?: CallOptions): Promise<CertificateRecord> {
    return this.#core.call("revokeCertificate", { params: { serialNumber }, body: { reason } }, options);
  }

  /**
   * One certificate record, by serial number (any form `openssl` prints).
   *
   * @example
   * ```ts
   * const record = await client.getCertificate("4F:1C:…");
   * ```
   */
  getCertificate(serialNumber: string, options?: CallOptions): Promise<CertificateRecord> {
    return this.#core.call("getCertificate", { params: { serialNumber } }, options);
  }

  /**
   * A device's certificate records, newest first.
   *
   * @example
   * ```ts
   * const { items } = await client.listDeviceCertificates("line7-0001");
   * ```
   */
  listDeviceCertificates(
    deviceId: string,
    options: CallOptions & { limit?: number } = {},
  ): Promise<CertificateList> {
    const { limit, ...call } = options;
    return this.#core.call("listDeviceCertificates", { params: { deviceId }, query: { limit } }, call);
  }

  /**
   * Mints a one-time bootstrap token with which one device gets one certificate.
   *
   * @example
   * ```ts
   * const { token, expiresAt } = await client.createBootstrapToken("line7-0001", { ttlSeconds: 900 });
   * ```
   */
  createBootstrapToken(
    deviceId: string,
    options: CallOptions & { ttlSeconds?: number } = {},
  ): Promise<BootstrapToken> {
    const { ttlSeconds, ...call } = options;
    return this.#core.call("createBootstrapToken", { body: { deviceId, ttlSeconds } }, call);
  }

  /**
   * The root and issuing CA certificates and the root's fingerprint.
   *
   * @example
   * ```ts
   * const { rootCertificatePem, rootSha256Fingerprint } = await client.getCa();
   * ```
   */
  getCa(options?: CallOptions): Promise<CaInfo> {
    return this.#core.call("getCa", {}, options);
  }

  /**
   * Proof of possession of a CA key for DPS (or IoT Hub): the CA signs a one-hour certificate whose
   * CN is `verificationCode` with the key of `issuer`, the CA certificate uploaded there. Its key is
   * made here and dropped: only the certificate is needed. Admins only (`ca:verify`).
   *
   * @example
   * ```ts
   * const { certificatePem } = await client.createVerificationCertificate(code, { issuer: "root" });
   * ```
   */
  async createVerificationCertificate(
    verificationCode: string,
    options: CallOptions & { issuer: VerificationIssuer },
  ): Promise<VerificationCertificate> {
    const { issuer, ...call } = options;
    const csr = await buildCsr(verificationCode, await generateDeviceKey("ECDSA_P256"));
    return this.#core.call("createVerificationCertificate", { body: { csr: csr.pem, issuer } }, call);
  }

  /**
   * The root certificate, PEM: what the DPS enrollment group needs.
   *
   * @example
   * ```ts
   * await writeFile("root.pem", await client.getRootPem());
   * ```
   */
  getRootPem(options?: CallOptions): Promise<string> {
    return this.#core.call("getRootPem", {}, options);
  }

  /**
   * The issuing CA, then the root, PEM.
   *
   * @example
   * ```ts
   * const chainPem = await client.getChainPem();
   * ```
   */
  getChainPem(options?: CallOptions): Promise<string> {
    return this.#core.call("getChainPem", {}, options);
  }

  /**
   * The current CRL, DER.
   *
   * @example
   * ```ts
   * const crl = new X509Crl(await client.getCrl()); // @peculiar/x509, for one
   * ```
   */
  getCrl(options?: CallOptions): Promise<Uint8Array> {
    return this.#core.call("getCrl", {}, options);
  }

  /**
   * The current CRL, PEM.
   *
   * @example
   * ```ts
   * await writeFile("edge-pki.crl.pem", await client.getCrlPem());
   * ```
   */
  getCrlPem(options?: CallOptions): Promise<string> {
    return this.#core.call("getCrlPem", {}, options);
  }

  /**
   * The root's current CRL, DER: the revoked certificates the root signed (intermediates, the token
   * signer). With `getCrl`, what `openssl verify -crl_check_all` needs.
   *
   * @example
   * ```ts
   * await writeFile("root.crl", await client.getRootCrl());
   * ```
   */
  getRootCrl(options?: CallOptions): Promise<Uint8Array> {
    return this.#core.call("getRootCrl", {}, options);
  }

  /**
   * The root's current CRL, PEM.
   *
   * @example
   * ```ts
   * await writeFile("root.crl.pem", await client.getRootCrlPem());
   * ```
   */
  getRootCrlPem(options?: CallOptions): Promise<string> {
    return this.#core.call("getRootCrlPem", {}, options);
  }

  /**
   * The API tokens the service minted, newest first: what they may do and whether they are live;
   * never the tokens themselves. Admins only.
   *
   * @example
   * ```ts
   * const { items } = await client.listTokens();
   * const live = items.filter((token) => token.status === "live");
   * ```
   */
  listTokens(options: CallOptions & { limit?: number } = {}): Promise<ApiTokenList> {
    const { limit, ...call } = options;
    return this.#core.call("listTokens", { query: { limit } }, call);
  }

  /**
   * Revokes an API token by its id (its `jti`): every replica refuses it within seconds. Again, it
   * returns the record unchanged. Admins only.
   *
   * @example
   * ```ts
   * await client.revokeToken("hV9x…");
   * ```
   */
  revokeToken(tokenId: string, options?: CallOptions): Promise<ApiToken> {
    return this.#core.call("revokeToken", { params: { tokenId } }, options);
  }

  /**
   * Creates an HTTP Basic credential for EST enrollment, for a fleet (`devicePrefix`) or one device
   * (`deviceId`). Without a `password`, a strong one is generated; either way it is returned this
   * once (only its hash is stored). Never retried after it may have reached the service: a replay
   * could not return the password again. Admins only.
   *
   * @example
   * ```ts
   * const { id, password } = await client.createEstCredential({ username: "line7", devicePrefix: "line7-" });
   * ```
   */
  createEstCredential(
    request: CreateEstCredentialRequest,
    options?: CallOptions,
  ): Promise<CreatedEstCredential> {
    return this.#core.call("createEstCredential", { body: request }, options);
  }

  /**
   * The EST credentials, newest first: what each may enroll and whether it is live; never a
   * password. Admins only.
   *
   * @example
   * ```ts
   * const { items } = await client.listEstCredentials();
   * ```
   */
  listEstCredentials(options: CallOptions & { limit?: number } = {}): Promise<EstCredentialList> {
    const { limit, ...call } = options;
    return this.#core.call("listEstCredentials", { query: { limit } }, call);
  }

  /**
   * Revokes an EST credential by its id: every replica refuses it within seconds. Again, it returns
   * the record unchanged. Admins only.
   *
   * @example
   * ```ts
   * await client.revokeEstCredential(id);
   * ```
   */
  revokeEstCredential(id: string, options?: CallOptions): Promise<EstCredential> {
    return this.#core.call("revokeEstCredential", { params: { id } }, options);
  }

  /**
   * Blocks a device from EST: from its next request, on every replica, no credential (a
   * manufacturer's bootstrap certificate, its EST identity, a Basic password) enrols or re-enrols
   * it. For a device that is stolen or retired: its bootstrap certificate cannot be revoked. Blocking
   * a blocked device returns its block unchanged, so the SDK may retry it. Admins only.
   *
   * @example
   * ```ts
   * await client.blockEstDevice({ deviceId: "line7-0042", reason: "reported stolen" });
   * ```
   */
  blockEstDevice(request: BlockEstDeviceRequest, options?: CallOptions): Promise<EstDeviceBlock> {
    return this.#core.call("blockEstDevice", { body: request }, options);
  }

  /**
   * A page of the devices blocked from EST, newest first; pass its `next` as `after` for the next
   * page (`next` is null on the last). Admins only.
   *
   * @example
   * ```ts
   * let page = await client.listBlockedEstDevices({ limit: 1000 });
   * while (page.next !== null) page = await client.listBlockedEstDevices({ limit: 1000, after: page.next });
   * ```
   */
  listBlockedEstDevices(
    options: CallOptions & { limit?: number; after?: string } = {},
  ): Promise<EstDeviceBlockList> {
    const { limit, after, ...call } = options;
    return this.#core.call("listBlockedEstDevices", { query: { limit, after } }, call);
  }

  /**
   * A device's EST block (its ID in any case); a device that is not blocked is a NotFoundError.
   * Admins only.
   *
   * @example
   * ```ts
   * const { blockedAt, reason } = await client.getEstDeviceBlock("line7-0042");
   * ```
   */
  getEstDeviceBlock(deviceId: string, options?: CallOptions): Promise<EstDeviceBlock> {
    return this.#core.call("getEstDeviceBlock", { params: { deviceId } }, options);
  }

  /**
   * Lifts a device's EST block and returns it; a device that is not blocked is a NotFoundError.
   * Admins only.
   *
   * @example
   * ```ts
   * await client.unblockEstDevice("line7-0042");
   * ```
   */
  unblockEstDevice(deviceId: string, options?: CallOptions): Promise<EstDeviceBlock> {
    return this.#core.call("unblockEstDevice", { params: { deviceId } }, options);
  }

  /**
   * The public keys of the service's own token issuer.
   *
   * @example
   * ```ts
   * const { keys } = await client.getJwks();
   * ```
   */
  getJwks(options?: CallOptions): Promise<{ keys: Record<string, unknown>[] }> {
    return this.#core.call("getJwks", {}, options);
  }

  /**
   * Whether the service is ready (its store and key store usable). A 503 is an answer here, not a
   * failure: `{ status: "unavailable", detail }` with the service's reason, once the client's
   * retries are spent (pass `maxRetries: 0` to ask once). Anything else that fails throws.
   *
   * @example
   * ```ts
   * const { status } = await client.getReadiness({ maxRetries: 0 });
   * ```
   */
  async getReadiness(options?: CallOptions): Promise<Readiness> {
    try {
      const { status, checks } = await this.#core.call("getReadiness", {}, options);
      return status === "ok" ? { status, ...(checks && { checks }) } : { status, detail: "" };
    } catch (error) {
      if (error instanceof UnavailableError && error.status === 503) {
        return { status: "unavailable", detail: error.detail };
      }
      throw error;
    }
  }

  /**
   * One page of the audit log, oldest first.
   *
   * @example
   * ```ts
   * const { items, next } = await client.listAudit({ limit: 500 });
   * ```
   */
  listAudit(options: CallOptions & { limit?: number; after?: number | string } = {}): Promise<AuditPage> {
    const { limit, after, ...call } = options;
    return this.#core.call("listAudit", { query: { limit, after } }, call);
  }

  /**
   * The audit log, oldest first, fetched page by page as you iterate.
   *
   * @example
   * ```ts
   * for await (const entry of client.audit({ pageSize: 500 })) console.log(entry.action, entry.target);
   * ```
   */
  async *audit(options: AuditOptions = {}): AsyncGenerator<AuditEntry, void, undefined> {
    const { pageSize, after: start, ...call } = options;
    let after = start;
    for (;;) {
      const page = await this.listAudit({ ...call, limit: pageSize, after });
      yield* page.items;
      if (page.next === null) return;
      after = page.next;
    }
  }
}

/** What buildPfx accepts: a non-empty password with a UTF-8 form (no lone surrogate). */
function assertPfxPassword(password: string): void {
  if (password === "" || /\p{Surrogate}/u.test(password)) {
    throw new TypeError("pfxPassword must be a non-empty, well-formed string");
  }
}
