/**
 * The ARM certificate operations of a DPS instance that proof of possession uses (TypeSpec
 * `resource-manager/Microsoft.Devices/DeviceProvisioningServices/CertificateResponse.tsp`):
 * create or update, get, list, delete, generate a verification code, and verify. A verification
 * certificate must carry CN = the current code and be signed by the uploaded certificate's key.
 */
import { randomBytes, type X509Certificate } from "node:crypto";
import { commonNameOf, parseCertificate, thumbprint } from "./certificates.js";
import { ArmError } from "./errors.js";

/** DPS's verification codes expire; one hour is what the portal shows. */
const VERIFICATION_CODE_LIFETIME_MS = 60 * 60 * 1000;
/** Alphanumerics and `-._`, as the resource provider allows in certificate names. */
const CERTIFICATE_NAME = /^[A-Za-z0-9._-]{1,256}$/;

export interface ArmCertificate {
  name: string;
  certificate: X509Certificate;
  isVerified: boolean;
  etag: string;
  created: Date;
  updated: Date;
  verificationCode?: { code: string; expires: Date };
}

/** The CA certificates uploaded to one DPS instance through ARM. */
export class ArmCertificateStore {
  readonly #certificates = new Map<string, ArmCertificate>();

  constructor(private readonly now: () => Date) {}

  get(name: string): ArmCertificate | undefined {
    return this.#certificates.get(name.toLowerCase());
  }

  list(): ArmCertificate[] {
    return [...this.#certificates.values()];
  }

  createOrUpdate(name: string, body: unknown, ifMatch: string | undefined): ArmCertificate {
    if (!CERTIFICATE_NAME.test(name)) {
      throw new ArmError(
        400,
        "InvalidCertificateName",
        "Certificate names may hold only alphanumerics and -._",
      );
    }
    const properties = (body as { properties?: { certificate?: unknown; isVerified?: unknown } } | undefined)
      ?.properties;
    const text = typeof properties?.certificate === "string" ? properties.certificate : undefined;
    const certificate = text === undefined ? undefined : parseCertificate(text);
    if (certificate === undefined) {
      throw new ArmError(
        400,
        "InvalidCertificate",
        "properties.certificate must be a PEM or base64 DER certificate.",
      );
    }
    if (properties?.isVerified !== undefined && typeof properties.isVerified !== "boolean") {
      throw new ArmError(400, "InvalidParameter", "properties.isVerified must be a boolean.");
    }
    const existing = this.get(name);
    // Creating needs no etag; replacing an uploaded certificate needs its current one.
    if (existing !== undefined && (ifMatch === undefined || !sameEtag(ifMatch, existing.etag))) {
      throw preconditionFailed(name);
    }
    const sameCertificate =
      existing !== undefined &&
      thumbprint(existing.certificate, "sha256") === thumbprint(certificate, "sha256");
    const now = this.now();
    const stored: ArmCertificate = {
      name: existing?.name ?? name,
      certificate,
      // A new certificate must prove possession again, unless the caller declares it verified.
      isVerified: properties?.isVerified === true || (sameCertificate && existing.isVerified),
      etag: newEtag(),
      created: existing?.created ?? now,
      updated: now,
    };
    this.#certificates.set(name.toLowerCase(), stored);
    return stored;
  }

  delete(name: string, ifMatch: string | undefined): void {
    const existing = this.#require(name);
    if (ifMatch === undefined || !sameEtag(ifMatch, existing.etag)) throw preconditionFailed(name);
    this.#certificates.delete(name.toLowerCase());
  }

  generateVerificationCode(name: string, ifMatch: string | undefined): ArmCertificate {
    const existing = this.#require(name);
    if (ifMatch === undefined || !sameEtag(ifMatch, existing.etag)) throw preconditionFailed(name);
    existing.verificationCode = {
      code: randomBytes(24).toString("hex").toUpperCase(),
      expires: new Date(this.now().getTime() + VERIFICATION_CODE_LIFETIME_MS),
    };
    existing.etag = newEtag();
    existing.updated = this.now();
    return existing;
  }

  verify(name: string, ifMatch: string | undefined, body: unknown): ArmCertificate {
    const existing = this.#require(name);
    if (ifMatch === undefined || !sameEtag(ifMatch, existing.etag)) throw preconditionFailed(name);
    const text = (body as { certificate?: unknown } | undefined)?.certificate;
    const proof = typeof text === "string" ? parseCertificate(text) : undefined;
    if (proof === undefined) {
      throw new ArmError(
        400,
        "InvalidCertificate",
        "certificate must be the verification certificate, PEM or base64 DER.",
      );
    }
    const code = existing.verificationCode;
    if (code === undefined || code.expires.getTime() <= this.now().getTime()) {
      throw new ArmError(400, "VerificationCodeExpired", "No current verification code: generate one first.");
    }
    if (commonNameOf(proof) !== code.code) {
      throw new ArmError(
        400,
        "CertificateSubjectMismatch",
        "The verification certificate's CN is not the verification code.",
      );
    }
    if (!proof.verify(existing.certificate.publicKey)) {
      throw new ArmError(
        400,
        "CertificateSignatureInvalid",
        "The verification certificate is not signed by the uploaded certificate's key.",
      );
    }
    existing.isVerified = true;
    existing.verificationCode = undefined;
    existing.etag = newEtag();
    existing.updated = this.now();
    return existing;
  }

  #require(name: string): ArmCertificate {
    const existing = this.get(name);
    if (existing === undefined)
      throw new ArmError(404, "NotFound", `The certificate '${name}' does not exist.`);
    return existing;
  }
}

function newEtag(): string {
  return `"${randomBytes(8).toString("base64")}"`;
}

function sameEtag(ifMatch: string, etag: string): boolean {
  const bare = (value: string) => value.trim().replace(/^"|"$/g, "");
  return ifMatch.trim() === "*" || bare(ifMatch) === bare(etag);
}

function preconditionFailed(name: string): ArmError {
  return new ArmError(
    412,
    "PreconditionFailed",
    `If-Match does not match the etag of the certificate '${name}'.`,
  );
}
