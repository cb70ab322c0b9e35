import type { z } from "zod";
import {
  ApiToken,
  ApiTokenList,
  AuditPage,
  AuditQuery,
  BootstrapToken,
  BootstrapTokenRequest,
  JsonWebKeySet,
  TokenIdParams,
} from "./auth.js";
import {
  CreatedEstCredential,
  CreateEstCredentialRequest,
  EstCredential,
  EstCredentialIdParams,
  EstCredentialList,
} from "./est-credentials.js";
import {
  BlockEstDeviceRequest,
  EstDeviceBlock,
  EstDeviceBlockList,
  EstDeviceBlockQuery,
} from "./est-device-blocks.js";
import type { OperationDefinition } from "./operation.js";
import {
  CaInfo,
  CertificateList,
  CertificateRecord,
  DeviceIdParams,
  Health,
  IssueCertificateRequest,
  IssueCredentialsRequest,
  IssuedCertificate,
  IssuedCredentials,
  ListQuery,
  RenewRequest,
  RevokeRequest,
  SerialNumberParams,
} from "./schemas.js";
import { VerificationCertificate, VerificationCertificateRequest } from "./verification.js";

const BAD_REQUEST = "Invalid input";
const TOO_LARGE = "Body over 64 KiB";
const NOT_ISSUED = "Signing or recording failed; nothing was issued";
const IDEMPOTENCY_CONFLICT = "The Idempotency-Key was used before with a different request";
const CRL_UNAVAILABLE = "The CRL could not be signed";

/** A JSON body of this schema; generic, so that the table keeps each schema's own type. */
const json = <Schema extends z.ZodType>(schema: Schema) =>
  ({ mediaType: "application/json", schema }) as const;
const PEM = "application/x-pem-file";

/**
 * Every operation of the v1 API, by operationId. The service binds one handler to each and builds
 * `/openapi.json` from this table; the SDK calls through it.
 */
export const operations = {
  getHealth: {
    method: "GET",
    path: "/healthz",
    summary: "The process is alive",
    tags: ["health"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "Alive", ...json(Health) },
    problems: {},
  },
  getReadiness: {
    method: "GET",
    path: "/readyz",
    summary: "The store and the key store are usable",
    tags: ["health"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "Ready", ...json(Health) },
    problems: { 503: "Not ready" },
  },
  getCa: {
    method: "GET",
    path: "/v1/ca",
    summary: "The root and issuing certificates",
    tags: ["ca"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "CA certificates", ...json(CaInfo) },
    problems: {},
  },
  getRootPem: {
    method: "GET",
    path: "/v1/ca/root.pem",
    summary: "The root certificate, PEM (upload it to the DPS enrollment group)",
    tags: ["ca"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "Root certificate", mediaType: PEM },
    problems: {},
  },
  getChainPem: {
    method: "GET",
    path: "/v1/ca/chain.pem",
    summary: "The intermediate, then the root, PEM",
    tags: ["ca"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "CA chain", mediaType: PEM },
    problems: {},
  },
  createVerificationCertificate: {
    method: "POST",
    path: "/v1/ca/verification-certificates",
    summary:
      "Sign a short-lived verification certificate (CN = a DPS or IoT Hub verification code) with the root's or the intermediate's key: proof of possession of that CA",
    tags: ["ca"],
    authentication: { kind: "bearer", permissions: ["ca:verify"] },
    idempotent: false,
    body: json(VerificationCertificateRequest),
    success: {
      status: 201,
      description:
        "Signed, recorded and audited. An end entity that authenticates nothing: no TLS EKU, valid for one hour",
      ...json(VerificationCertificate),
    },
    problems: {
      400: "Invalid input: a CSR that does not verify, or whose subject is not one CN holding a verification code",
      413: TOO_LARGE,
      503: "Signing or recording failed; nothing was signed",
    },
  },
  createBootstrapToken: {
    method: "POST",
    path: "/v1/bootstrap-tokens",
    summary: "A one-time token with which one device gets one certificate for a CSR (POST /v1/certificates)",
    tags: ["tokens"],
    authentication: { kind: "bearer", permissions: ["bootstrap-tokens:create"] },
    idempotent: true,
    body: json(BootstrapTokenRequest),
    success: {
      status: 201,
      description:
        "Minted. A retry with the same Idempotency-Key returns the same token (same jti and expiry) re-signed",
      ...json(BootstrapToken),
    },
    problems: { 400: BAD_REQUEST, 422: IDEMPOTENCY_CONFLICT, 503: NOT_ISSUED },
  },
  getJwks: {
    method: "GET",
    path: "/.well-known/jwks.json",
    summary: "Public keys of the service's own token issuer (ES256, with kid)",
    tags: ["tokens"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "JSON Web Key Set", ...json(JsonWebKeySet) },
    problems: {},
  },
  listTokens: {
    method: "GET",
    path: "/v1/tokens",
    summary: "The API tokens this service minted, newest first (never the tokens themselves)",
    tags: ["tokens"],
    authentication: { kind: "bearer", permissions: ["tokens:read"] },
    idempotent: false,
    query: ListQuery,
    success: { status: 200, description: "Tokens", ...json(ApiTokenList) },
    problems: { 400: BAD_REQUEST },
  },
  revokeToken: {
    method: "POST",
    path: "/v1/tokens/{tokenId}/revoke",
    summary: "Revoke an API token: every replica refuses it within seconds",
    tags: ["tokens"],
    authentication: { kind: "bearer", permissions: ["tokens:revoke"] },
    idempotent: false,
    params: TokenIdParams,
    success: { status: 200, description: "Revoked (or already revoked)", ...json(ApiToken) },
    problems: {
      400: BAD_REQUEST,
      404: "No token with this jti was minted here",
      503: "The store is unavailable",
    },
  },
  createEstCredential: {
    method: "POST",
    path: "/v1/est/credentials",
    summary:
      "Create an HTTP Basic credential for EST enrollment, for a fleet (a device-ID prefix) or one device; the password is returned once",
    tags: ["est"],
    authentication: { kind: "bearer", permissions: ["est-credentials:manage"] },
    // The password is returned once and never stored: a replay could not return it again.
    idempotent: false,
    body: json(CreateEstCredentialRequest),
    success: {
      status: 201,
      description: "Created and audited; the password is in this answer only (Cache-Control: no-store)",
      ...json(CreatedEstCredential),
    },
    problems: {
      400: BAD_REQUEST,
      409: "The username is taken (in any case), by a live, expired or revoked credential",
      413: TOO_LARGE,
      503: "The store is unavailable; nothing was created",
    },
  },
  listEstCredentials: {
    method: "GET",
    path: "/v1/est/credentials",
    summary: "The EST credentials, newest first (never a password or its hash)",
    tags: ["est"],
    authentication: { kind: "bearer", permissions: ["est-credentials:manage"] },
    idempotent: false,
    query: ListQuery,
    success: { status: 200, description: "EST credentials", ...json(EstCredentialList) },
    problems: { 400: BAD_REQUEST },
  },
  revokeEstCredential: {
    method: "POST",
    path: "/v1/est/credentials/{id}/revoke",
    summary: "Revoke an EST credential: every replica refuses it within seconds",
    tags: ["est"],
    authentication: { kind: "bearer", permissions: ["est-credentials:manage"] },
    idempotent: false,
    params: EstCredentialIdParams,
    success: { status: 200, description: "Revoked (or already revoked)", ...json(EstCredential) },
    problems: {
      400: BAD_REQUEST,
      404: "No EST credential with this id",
      503: "The store is unavailable",
    },
  },
  blockEstDevice: {
    method: "POST",
    path: "/v1/est/blocked-devices",
    summary:
      "Block a device from EST: no credential (bootstrap certificate, EST identity, Basic password) enrols or re-enrols it until it is unblocked",
    tags: ["est"],
    authentication: { kind: "bearer", permissions: ["est-devices:block"] },
    idempotent: false,
    body: json(BlockEstDeviceRequest),
    success: {
      status: 200,
      description: "Blocked on every replica at once, and audited; a device already blocked keeps its block",
      ...json(EstDeviceBlock),
    },
    problems: { 400: BAD_REQUEST, 413: TOO_LARGE, 503: "The store is unavailable; nothing was blocked" },
  },
  listBlockedEstDevices: {
    method: "GET",
    path: "/v1/est/blocked-devices",
    summary: "The devices blocked from EST, newest first, a page at a time",
    tags: ["est"],
    authentication: { kind: "bearer", permissions: ["est-devices:block"] },
    idempotent: false,
    query: EstDeviceBlockQuery,
    success: {
      status: 200,
      description: "Blocked devices, and the cursor of the next page",
      ...json(EstDeviceBlockList),
    },
    problems: { 400: BAD_REQUEST },
  },
  getEstDeviceBlock: {
    method: "GET",
    path: "/v1/est/blocked-devices/{deviceId}",
    summary: "A device's EST block, its ID compared without regard to case",
    tags: ["est"],
    authentication: { kind: "bearer", permissions: ["est-devices:block"] },
    idempotent: false,
    params: DeviceIdParams,
    success: { status: 200, description: "The device is blocked", ...json(EstDeviceBlock) },
    problems: { 400: BAD_REQUEST, 404: "The device is not blocked" },
  },
  unblockEstDevice: {
    method: "POST",
    path: "/v1/est/blocked-devices/{deviceId}/unblock",
    summary: "Lift a device's EST block",
    tags: ["est"],
    authentication: { kind: "bearer", permissions: ["est-devices:block"] },
    idempotent: false,
    params: DeviceIdParams,
    success: {
      status: 200,
      description: "Unblocked and audited: the block that was lifted",
      ...json(EstDeviceBlock),
    },
    problems: { 400: BAD_REQUEST, 404: "The device is not blocked", 503: "The store is unavailable" },
  },
  issueCertificate: {
    method: "POST",
    path: "/v1/certificates",
    summary: "Issue a device identity certificate for a CSR",
    tags: ["certificates"],
    // A one-time bootstrap token may redeem itself here, and nowhere else.
    authentication: { kind: "bearer", permissions: ["certificates:issue", "bootstrap-tokens:redeem"] },
    idempotent: true,
    body: json(IssueCertificateRequest),
    success: {
      status: 201,
      description:
        "Issued and recorded; or, for a retry with the same Idempotency-Key, caller and body within 24 hours, the first response (also for a bootstrap token used by that first request)",
      ...json(IssuedCertificate),
    },
    problems: {
      400: BAD_REQUEST,
      401: "No, a bad, or an already used token (`token already used`; not for an idempotent retry of the request that used it)",
      413: TOO_LARGE,
      422: IDEMPOTENCY_CONFLICT,
      503: NOT_ISSUED,
    },
  },
  issueCredentials: {
    method: "POST",
    path: "/v1/credentials",
    summary: "Generate a device key and issue its certificate (for lines that inject keys)",
    tags: ["certificates"],
    authentication: { kind: "bearer", permissions: ["certificates:issue"] },
    idempotent: true,
    body: json(IssueCredentialsRequest),
    success: {
      status: 201,
      description: "Issued and recorded; the key is not kept",
      ...json(IssuedCredentials),
    },
    problems: {
      400: BAD_REQUEST,
      409:
        "A retry with an Idempotency-Key that already issued credentials: the private key is never " +
        "stored, so it cannot be returned again; the detail and the member serialNumber name the serial number issued",
      413: TOO_LARGE,
      422: IDEMPOTENCY_CONFLICT,
      503: NOT_ISSUED,
    },
  },
  getCertificate: {
    method: "GET",
    path: "/v1/certificates/{serialNumber}",
    summary: "One issued certificate",
    tags: ["certificates"],
    authentication: { kind: "bearer", permissions: ["certificates:read"] },
    idempotent: false,
    params: SerialNumberParams,
    success: { status: 200, description: "The record", ...json(CertificateRecord) },
    problems: { 400: BAD_REQUEST, 404: "No such certificate" },
  },
  listDeviceCertificates: {
    method: "GET",
    path: "/v1/devices/{deviceId}/certificates",
    summary: "A device's certificates, newest first",
    tags: ["certificates"],
    authentication: { kind: "bearer", permissions: ["certificates:read"] },
    idempotent: false,
    params: DeviceIdParams,
    query: ListQuery,
    success: { status: 200, description: "Certificates", ...json(CertificateList) },
    problems: { 400: BAD_REQUEST },
  },
  renewCertificate: {
    method: "POST",
    path: "/v1/certificates/renew",
    summary: "Renew a device certificate with a proof of possession of its key (no token)",
    tags: ["certificates"],
    authentication: { kind: "proof-of-possession" },
    idempotent: false,
    body: json(RenewRequest),
    success: { status: 201, description: "Issued and recorded", ...json(IssuedCertificate) },
    problems: {
      400: BAD_REQUEST,
      401: "The proof does not verify, is expired, replayed, or not from a certificate of this CA (audited, and charged to the address's failed-authentication budget)",
      403: "The certificate may not renew: revoked, expired past the grace period, another CN, or already renewed (a certificate renews once; renew the newest)",
      413: TOO_LARGE,
      503: NOT_ISSUED,
    },
  },
  revokeCertificate: {
    method: "POST",
    path: "/v1/certificates/{serialNumber}/revoke",
    summary: "Revoke a certificate for good and re-sign the CRL",
    tags: ["revocation"],
    authentication: { kind: "bearer", permissions: ["certificates:revoke"] },
    idempotent: false,
    params: SerialNumberParams,
    body: json(RevokeRequest),
    success: {
      status: 200,
      description: "Revoked (or already revoked with the same reason)",
      ...json(CertificateRecord),
    },
    problems: {
      400: BAD_REQUEST,
      404: "No such certificate",
      409: "Already revoked with another reason; or a certificate of the CA itself (root, intermediate, token signer), which this operation does not revoke",
      413: TOO_LARGE,
      503: "Revoked, but the CRL could not be re-signed yet",
    },
  },
  getCrl: {
    method: "GET",
    path: "/v1/crl",
    summary: "The issuing CA's current CRL, DER",
    tags: ["revocation"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "CRL", mediaType: "application/pkix-crl" },
    problems: { 503: CRL_UNAVAILABLE },
  },
  getCrlPem: {
    method: "GET",
    path: "/v1/crl.pem",
    summary: "The issuing CA's current CRL, PEM",
    tags: ["revocation"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "CRL", mediaType: PEM },
    problems: { 503: CRL_UNAVAILABLE },
  },
  getRootCrl: {
    method: "GET",
    path: "/v1/ca/crl",
    summary:
      "The root's current CRL (an authority revocation list: revoked intermediates and token signers), DER",
    tags: ["revocation"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "CRL", mediaType: "application/pkix-crl" },
    problems: { 503: CRL_UNAVAILABLE },
  },
  getRootCrlPem: {
    method: "GET",
    path: "/v1/ca/crl.pem",
    summary: "The root's current CRL, PEM",
    tags: ["revocation"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "CRL", mediaType: PEM },
    problems: { 503: CRL_UNAVAILABLE },
  },
  getMetrics: {
    method: "GET",
    path: "/metrics",
    summary:
      "The service's metrics in the Prometheus text format: issuances, request and store latencies, Key Vault signing, rate-limit refusals",
    tags: ["health"],
    // On the API's port, behind a token like every route that tells about the CA's activity: a
    // scraper that reaches the pods reaches this port, and a loopback-only port would be out of its reach.
    authentication: { kind: "bearer", permissions: ["metrics:read"] },
    idempotent: false,
    success: { status: 200, description: "Metrics", mediaType: "text/plain; version=0.0.4" },
    problems: { 503: "With several workers, one did not answer within 5 s: no partial count is shown" },
  },
  listAudit: {
    method: "GET",
    path: "/v1/audit",
    summary: "The audit log, oldest first, paged by id",
    tags: ["audit"],
    authentication: { kind: "bearer", permissions: ["audit:read"] },
    idempotent: false,
    query: AuditQuery,
    success: { status: 200, description: "One page", ...json(AuditPage) },
    problems: { 400: BAD_REQUEST },
  },
} as const satisfies Record<string, OperationDefinition>;

export type Operations = typeof operations;
export type OperationId = keyof Operations;
