import type { TLSSocket } from "node:tls";
import { type RecognitionDeps, recogniseIssuedCertificate } from "../../app/recognise-device-certificate.js";
import { bootstrapCertificateRefusal } from "../../core/bootstrap-certificate.js";
import { CaError } from "../../core/errors.js";
import { isIssuedBy } from "../../core/issued-by.js";
import { holderPrincipal } from "../../core/principal.js";
import { x509 } from "../../core/x509.js";
import type { Authenticator } from "../authentication/authenticator.js";

export interface EstClientCertificateDeps extends RecognitionDeps {
  /** The manufacturer CAs whose certificates bootstrap an EST identity (EDGE_PKI_EST_BOOTSTRAP_CA_FILE). */
  bootstrapCas: readonly x509.X509Certificate[];
}

/**
 * The TLS client certificate of an EST request: one we issued (an EST identity, or for
 * simplereenroll the device identity or Edge CA being renewed), checked against our records, or a
 * manufacturer's bootstrap certificate signed directly by a configured manufacturer CA, fit to stand
 * for a device (`bootstrapCertificateRefusal`).
 * No certificate at all is "no credentials": the next accepted authenticator (HTTP Basic) may have some.
 */
export function estClientCertificateAuthenticator(deps: EstClientCertificateDeps): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    failureDetails: () => undefined,
    authenticate: async (request) => {
      const socket = request.socket as Partial<TLSSocket>;
      const peer = socket.encrypted ? socket.getPeerCertificate?.() : undefined;
      if (peer?.raw === undefined) {
        throw new CaError("unauthorized", "no TLS client certificate was presented", {
          credentialsMissing: true,
        });
      }
      const der = new Uint8Array(peer.raw);
      const certificate = parse(der);
      const manufacturer = await manufacturerOf(deps.bootstrapCas, certificate);
      if (manufacturer === undefined) {
        const { record } = await recogniseIssuedCertificate(
          deps,
          der,
          ["device", "est-identity", "edge-ca"],
          {
            fromRetired: true,
          },
        );
        return holderPrincipal(record.deviceId, { certificate, proof: undefined, kind: record.profile });
      }
      const refusal = bootstrapCertificateRefusal(certificate, manufacturer, deps.clock.now());
      if (refusal !== undefined) throw new CaError("forbidden", refusal);
      const [commonName] = certificate.subjectName.getField("2.5.4.3");
      if (commonName === undefined) throw new CaError("forbidden", "the bootstrap certificate has no CN");
      return holderPrincipal(commonName, { certificate, proof: undefined, kind: "manufacturer" });
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
