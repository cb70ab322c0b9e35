import type { CaSigner } from "../ports/ca-key-store.js";
import { assertSignatureVerifies, signerCrypto } from "./signer-crypto.js";
import { x509 } from "./x509.js";

export interface SignCertificateRequest {
  signer: CaSigner;
  /** The issuer's subject, as its certificate encodes it (byte-identical names chain reliably). */
  issuer: x509.Name;
  subject: x509.Name;
  publicKeySpki: Uint8Array;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}

/**
 * Builds and signs a certificate; the only place where a CA key is used for certificates. The
 * signature is verified with the signer's public key before the certificate leaves this function.
 */
export async function signCertificate(request: SignCertificateRequest): Promise<x509.X509Certificate> {
  const { crypto, signingKey } = signerCrypto(request.signer);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: request.serialNumber,
      subject: request.subject,
      issuer: request.issuer,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      publicKey: request.publicKeySpki,
      signingKey,
      signingAlgorithm: request.signer.signatureAlgorithm,
      extensions: request.extensions,
    },
    crypto,
  );
  await assertSignatureVerifies(certificate, request.signer, "certificate");
  return certificate;
}
