import type { CaSigner } from "../ports/ca-key-store.js";
import { certifyUnderRoot, holdsKey, type UnderRootCertificateRequest } from "./ca-hierarchy.js";
import { CaError } from "./errors.js";
import type { KeyAlgorithm } from "./key-algorithms.js";
import { subjectKeyIdOf, tokenSignerExtensions } from "./profiles.js";
import { x509 } from "./x509.js";

/** Our tokens are ES256: the token-signing key is always ECDSA P-256, whatever the CA keys are. */
export const TOKEN_KEY_ALGORITHM: KeyAlgorithm = "ECDSA_P256";

/** The token-signing key's certificate: an end entity signed by the root, ending no later than it. */
export async function createTokenSignerCertificate(
  request: UnderRootCertificateRequest,
): Promise<x509.X509Certificate> {
  return certifyUnderRoot(
    request,
    await tokenSignerExtensions(request.signer.publicKeySpki, subjectKeyIdOf(request.root)),
  );
}

/**
 * Stored token-signing material that can sign our tokens: a P-256 key whose certificate holds that
 * key, is no CA and was signed by this root. Catches a CA key stored under the token key's name and
 * a token key left from another CA.
 */
export async function assertTokenSigner(
  certificate: x509.X509Certificate,
  signer: CaSigner,
  root: x509.X509Certificate,
): Promise<void> {
  assertTokenKey(signer);
  if (!holdsKey(certificate, signer)) {
    throw problem("certificate does not match the token-signing key");
  }
  if (certificate.getExtension(x509.BasicConstraintsExtension)?.ca) throw problem("certificate is a CA");
  if (!(await certificate.verify({ publicKey: root.publicKey, signatureOnly: true }))) {
    throw problem("certificate is not signed by the root");
  }
}

/** A key that can make ES256 signatures (also one found half-way through an init). */
export function assertTokenKey(signer: CaSigner): void {
  if (signer.keyAlgorithm !== TOKEN_KEY_ALGORITHM) throw problem("key is not ECDSA P-256 (ES256)");
}

function problem(what: string): CaError {
  return new CaError("ca_material_invalid", `the token-signing ${what}`);
}
