import { generateKeyPairSync } from "node:crypto";
import type { IssuingCa } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import { commonNameOnly, estServerExtensions, subjectKeyIdOf } from "../core/profiles.js";
import { randomSerialNumber } from "../core/serial-number.js";
import { signCertificate } from "../core/sign-certificate.js";
import { computeValidity } from "../core/validity.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock, RandomBytes } from "../ports/clock.js";
import { certificateRecord } from "./certificate-record.js";
import type { IssuancePolicy } from "./service-context.js";

/** How long the EST listener's own certificate lasts; it is renewed after two thirds of that. */
export const EST_SERVER_VALIDITY_DAYS = 30;

export interface EstServerCertificate {
  /** PEM: the certificate, then our intermediate (what a client needs to reach our root). */
  certificatePem: string;
  /** PKCS#8 PEM; lives in memory only, never written or logged. */
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
  /** From here on `needsRenewal` says yes: two thirds of its lifetime. */
  renewAfter: Date;
  /** The serial number of the intermediate that signed it: once that one is retired, renew. */
  issuerSerialNumber: string;
}

export interface EstServerCertificateDeps {
  ca: IssuingCa;
  store: Pick<CertificateStore, "recordIssuance">;
  clock: Clock;
  random: RandomBytes;
  policy: Pick<IssuancePolicy, "crlDistributionPoint" | "maxValidityDays">;
}

/**
 * The EST listener's TLS server certificate, from our own CA when no EDGE_PKI_TLS_CERT is set: a
 * fresh P-256 key each time, serverAuth for the configured names, recorded and audited like
 * every certificate the CA signs (a start that cannot record it does not serve EST).
 */
export async function issueEstServerCertificate(
  deps: EstServerCertificateDeps,
  names: { dnsNames: readonly string[]; ipAddresses: readonly string[] },
): Promise<EstServerCertificate> {
  const now = deps.clock.now();
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicKeySpki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const validity = computeValidity({
    now,
    policyMaxDays: Math.min(EST_SERVER_VALIDITY_DAYS, deps.policy.maxValidityDays),
    issuerNotAfter: deps.ca.certificate.notAfter,
  });
  const commonName = names.dnsNames[0] ?? names.ipAddresses[0] ?? "edge-pki EST";
  const certificate = await signCertificate({
    signer: deps.ca.signer,
    issuer: deps.ca.certificate.subjectName,
    subject: commonNameOnly(commonName),
    publicKeySpki,
    serialNumber: randomSerialNumber(deps.random),
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    extensions: await estServerExtensions({
      publicKeySpki,
      keyAlgorithm: "ECDSA_P256",
      issuerKeyId: subjectKeyIdOf(deps.ca.certificate),
      crlDistributionPoint: deps.policy.crlDistributionPoint,
      ...names,
    }),
  });
  const record = certificateRecord(certificate, {
    profile: "est-server",
    deviceId: null,
    keyAlgorithm: "ECDSA_P256",
    issuedAt: now,
    requester: "service",
  });
  try {
    await deps.store.recordIssuance({
      certificate: record,
      audit: {
        at: now,
        actor: "service",
        action: "est.server-certificate.issue",
        target: commonName,
        outcome: "success",
        details: { serialNumber: record.serialNumber, notAfter: record.notAfter.toISOString(), ...names },
      },
    });
  } catch (cause) {
    throw new CaError("unavailable", "the EST server certificate could not be recorded", { cause });
  }
  const lifetime = validity.notAfter.getTime() - validity.notBefore.getTime();
  return {
    certificatePem: `${certificate.toString("pem")}\n${deps.ca.certificate.toString("pem")}\n`,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    renewAfter: new Date(validity.notBefore.getTime() + (lifetime * 2) / 3),
    issuerSerialNumber: deps.ca.certificate.serialNumber.toLowerCase(),
  };
}
