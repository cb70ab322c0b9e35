import type { Request } from "express";
import { type RecognitionDeps, recogniseIssuedCertificate } from "../../app/recognise-device-certificate.js";
import { bootstrapDeviceId } from "../../core/bootstrap-certificate.js";
import { CaError } from "../../core/errors.js";
import { isIssuedBy } from "../../core/issued-by.js";
import { holderPrincipal } from "../../core/principal.js";
import { x509 } from "../../core/x509.js";
import type { Authenticator } from "../authentication/authenticator.js";
import { tlsPeerCertificate } from "../authentication/tls-client-certificates.js";

export interface EstClientCertificateDeps extends RecognitionDeps {
  /** The manufacturer CAs whose certificates bootstrap an EST identity (EDGE_PKI_EST_BOOTSTRAP_CA_FILE). */
  bootstrapCas: readonly x509.X509Certificate[];
}

/**
 * The TLS client certificate of an EST request: one we issued (an EST identity, or for
 * simplereenroll the device identity or Edge CA being renewed), checked against our records, or a
 * manufacturer's bootstrap certificate signed directly by a configured manufacturer CA, fit to stand
 * for a device (`bootstrapDeviceId`).
 * No certificate at all is "no credentials": the next accepted authenticator (HTTP Basic) may have some.
 */
export function estClientCertificateAuthenticator(deps: EstClientCertificateDeps): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    // Which certificate was refused: an operator can tell the device (the caller is anonymous).
    failureDetails: (_error, request) => presentedCertificateDetails(request),
    authenticate: async (request) => {
      const der = tlsPeerCertificate(request);
      if (der === undefined) {
        throw new CaError("unauthorized", "no TLS client certificate was presented", {
          credentialsMissing: true,
        });
      }
      const certificate = parse(der);
      const manufacturer = await manufacturerOf(deps.bootstrapCas, certificate);
      if (manufacturer === undefined) {
        const { record } = await recogniseIssuedCertificate(
          deps,
          der,
          ["device", "est-identity", "edge-ca"],
          {
            fromRetired: true,
            // Where manufacturer CAs are trusted, say that this certificate is not one of theirs either.
            ...(deps.bootstrapCas.length > 0 && {
              notOurs: `, nor signed directly by a manufacturer CA it trusts (its issuer: ${certificate.issuer})`,
            }),
          },
        );
        return holderPrincipal(record.deviceId, { certificate, proof: undefined, kind: record.profile });
      }
      const deviceId = bootstrapDeviceId(certificate, manufacturer, deps.clock.now());
      return holderPrincipal(deviceId, { certificate, proof: undefined, kind: "manufacturer" });
    },
  };
}

function parse(der: Uint8Array): x509.X509Certificate {
  try {
    return new x509.X509Certificate(der);
  } catch (cause) {
    throw new CaError("forbidden", "the client certificate cannot be parsed", { cause });
  }
}

async function manufacturerOf(
  cas: readonly x509.X509Certificate[],
  certificate: x509.X509Certificate,
): Promise<x509.X509Certificate | undefined> {
  for (const ca of cas) if (await isIssuedBy(certificate, ca)) return ca;
  return undefined;
}

/** The TLS client certificate's subject, serial number and issuer, when there is one that parses. */
function presentedCertificateDetails(request: Request): Record<string, unknown> | undefined {
  const der = tlsPeerCertificate(request);
  if (der === undefined) return undefined;
  try {
    const certificate = new x509.X509Certificate(der);
    return {
      certificate: {
        subject: certificate.subject,
        serialNumber: certificate.serialNumber.toLowerCase(),
        issuer: certificate.issuer,
      },
    };
  } catch {
    return undefined;
  }
}
