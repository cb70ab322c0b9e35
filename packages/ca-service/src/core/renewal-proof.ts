import { createHash, createPublicKey } from "node:crypto";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from "jose";
import { isLooseCompactJws } from "./compact-jws.js";
import { CaError } from "./errors.js";
import { isIssuedBy } from "./issued-by.js";
import { classifyPublicKey, isRsa, type KeyAlgorithm } from "./key-algorithms.js";
import { x509 } from "./x509.js";

/** The audience a proof may always name; `<public URL>/v1/certificates/renew` is accepted as well. */
export const RENEWAL_AUDIENCE = "edge-pki:renew";

/** A proof lives at most five minutes; clocks may differ by a minute. */
export const MAX_PROOF_LIFETIME_SECONDS = 300;
export const PROOF_LEEWAY_SECONDS = 60;

/** Signature algorithms by the key type they need. Never `none`, never HMAC: the key is public. */
const KEY_FOR_ALGORITHM: Record<string, (key: KeyAlgorithm) => boolean> = {
  ES256: (key) => key === "ECDSA_P256",
  ES384: (key) => key === "ECDSA_P384",
  RS256: isRsa,
  PS256: isRsa,
};

const MAX_X5C_CERTIFICATES = 4;
const MAX_JTI_LENGTH = 128;

export interface RenewalProofRequest {
  /** The compact JWS. */
  proof: string;
  /**
   * Our issuing intermediates, the one in use and those retired: the x5c leaf must carry the
   * signature of one of them (whether a retired one's certificates may renew is the renewal's call).
   */
  issuers: readonly x509.X509Certificate[];
  audiences: readonly string[];
  now: Date;
}

export interface VerifiedRenewalProof {
  /** The current certificate: the x5c leaf, issued by us and holding the key that signed the proof. */
  certificate: x509.X509Certificate;
  /** The intermediate (of `issuers`) that signed it. */
  issuer: x509.X509Certificate;
  jti: string;
  expiresAt: Date;
  /** The claim binding the new CSR; see `assertProofNamesCsr`. */
  csrSha256: unknown;
}

/**
 * Checks a renewal proof: a short-lived JWT signed by the current certificate's key, whose chain
 * (`x5c`) starts with a certificate our intermediate signed. This establishes who is asking;
 * `assertProofNamesCsr` then checks that it asks for this CSR, and the renewal rules whether that
 * certificate may still renew.
 */
export async function verifyRenewalProof(request: RenewalProofRequest): Promise<VerifiedRenewalProof> {
  const header = protectedHeader(request.proof);
  const algorithm = header.alg;
  const keyFits = typeof algorithm === "string" ? KEY_FOR_ALGORITHM[algorithm] : undefined;
  if (algorithm === undefined || keyFits === undefined) {
    // Not String(algorithm): a header may carry any JSON, such as an object whose toString is not one.
    const named = typeof algorithm === "string" ? `'${algorithm}'` : `of type ${typeof algorithm}`;
    throw proofError(`alg ${named} is not accepted: use ES256, ES384, RS256 or PS256`);
  }
  const certificate = leafOf(header.x5c);
  const issuer = await issuerOf(certificate, request.issuers);
  if (issuer === undefined) throw proofError("the x5c leaf certificate was not issued by this CA");
  const spki = new Uint8Array(certificate.publicKey.rawData);
  if (!keyFits(keyAlgorithmOf(spki))) {
    throw proofError(`alg ${algorithm} does not fit the x5c leaf certificate's key`);
  }

  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    ({ payload } = await jwtVerify(
      request.proof,
      createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }),
      {
        algorithms: [algorithm],
        audience: [...request.audiences],
        currentDate: request.now,
        clockTolerance: PROOF_LEEWAY_SECONDS,
        maxTokenAge: MAX_PROOF_LIFETIME_SECONDS,
        requiredClaims: ["iat", "exp", "jti"],
      },
    ));
  } catch (cause) {
    throw proofError(describeJoseFailure(cause, request.audiences), cause);
  }
  // A proof that verifies, spelled otherwise than base64url writes it, is not taken as itself.
  if (isLooseCompactJws(request.proof)) {
    throw proofError("the proof is not a compact JWS in canonical base64url");
  }
  const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown };
  if (exp - iat > MAX_PROOF_LIFETIME_SECONDS) {
    throw proofError(`the proof may live at most ${MAX_PROOF_LIFETIME_SECONDS} seconds (exp - iat)`);
  }
  if (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw proofError(`jti must be a string of 1 to ${MAX_JTI_LENGTH} characters`);
  }
  return { certificate, issuer, jti, expiresAt: new Date(exp * 1000), csrSha256: payload.csr_sha256 };
}

async function issuerOf(
  certificate: x509.X509Certificate,
  issuers: readonly x509.X509Certificate[],
): Promise<x509.X509Certificate | undefined> {
  for (const issuer of issuers) if (await isIssuedBy(certificate, issuer)) return issuer;
  return undefined;
}

/** The proof must name the CSR it comes with, so that a captured proof cannot renew onto another key. */
export function assertProofNamesCsr(proof: VerifiedRenewalProof, csrDer: Uint8Array): void {
  if (proof.csrSha256 !== createHash("sha256").update(csrDer).digest("base64url")) {
    throw proofError("csr_sha256 is not the base64url SHA-256 of this CSR's DER");
  }
}

/** The device ID a verified proof's certificate was issued for (its CN). */
export function deviceIdOfProof(proof: VerifiedRenewalProof): string | undefined {
  return proof.certificate.subjectName.getField("CN")[0];
}

function protectedHeader(proof: string): ReturnType<typeof decodeProtectedHeader> {
  try {
    return decodeProtectedHeader(proof);
  } catch (cause) {
    throw proofError("the proof is not a compact JWS", cause);
  }
}

/** x5c: base64 (not base64url) DER, leaf first (RFC 7515 §4.1.6). Only the leaf matters to us. */
function leafOf(x5c: unknown): x509.X509Certificate {
  if (
    !Array.isArray(x5c) ||
    x5c.length === 0 ||
    x5c.length > MAX_X5C_CERTIFICATES ||
    !x5c.every((entry) => typeof entry === "string" && /^[A-Za-z0-9+/]+={0,2}$/.test(entry))
  ) {
    throw proofError(`x5c must hold 1 to ${MAX_X5C_CERTIFICATES} base64 DER certificates, leaf first`);
  }
  try {
    return new x509.X509Certificate(Buffer.from(x5c[0] as string, "base64"));
  } catch (cause) {
    throw proofError("the first x5c entry is not a certificate", cause);
  }
}

function keyAlgorithmOf(spki: Uint8Array): KeyAlgorithm {
  try {
    return classifyPublicKey(spki);
  } catch (cause) {
    throw proofError("the x5c leaf certificate's key is not one this CA issues for", cause);
  }
}

/** jose's messages name the claim that failed; they carry nothing secret. */
function describeJoseFailure(cause: unknown, audiences: readonly string[]): string {
  if (cause instanceof joseErrors.JWTExpired) return "the proof has expired";
  if (cause instanceof joseErrors.JWSSignatureVerificationFailed) {
    return "the proof's signature does not verify with the x5c leaf certificate's key";
  }
  if (cause instanceof joseErrors.JWTClaimValidationFailed && cause.claim === "aud") {
    return `the proof's aud must be one of: ${audiences.join(", ")}`;
  }
  return cause instanceof joseErrors.JOSEError
    ? `the proof is invalid: ${cause.message}`
    : "the proof is invalid";
}

function proofError(message: string, cause?: unknown): CaError {
  return new CaError("proof_invalid", message, { errors: [{ field: "proof", message }], cause });
}
