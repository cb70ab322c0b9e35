import { CaError } from "../core/errors.js";
import { assertTokenSigner } from "../core/token-signer-certificate.js";
import { x509 } from "../core/x509.js";
import type { CaKeyStore, CaSigner } from "../ports/ca-key-store.js";

/** The token-signing key as stored: a signer and its chain (its certificate, then the root). */
export interface TokenKey {
  signer: CaSigner;
  chain: [x509.X509Certificate, x509.X509Certificate];
}

/**
 * Loads the service's own token-signing key from the key store, refusing material that cannot sign
 * tokens. A caller that already holds the root certificate passes it: loading the root again would
 * unlock its key once more (a full passphrase derivation) just to read the certificate.
 */
export async function loadTokenKey(
  keyStore: CaKeyStore,
  knownRoot?: x509.X509Certificate,
): Promise<TokenKey> {
  const rootCertificate = knownRoot ?? (await loadRootCertificate(keyStore));
  const token = await keyStore.load("token-signing");
  if (!token?.certificateDer) {
    throw new CaError(
      "ca_not_initialized",
      "the token-signing key is not in the key store yet: run `edge-pki-ca init`, which adds it to the existing CA",
    );
  }
  const certificate = new x509.X509Certificate(token.certificateDer);
  await assertTokenSigner(certificate, token.signer, rootCertificate);
  return { signer: token.signer, chain: [certificate, rootCertificate] };
}

async function loadRootCertificate(keyStore: CaKeyStore): Promise<x509.X509Certificate> {
  const root = await keyStore.load("root");
  if (!root?.certificateDer) {
    throw new CaError("ca_not_initialized", "the CA is not initialised: run `edge-pki-ca init` first");
  }
  return new x509.X509Certificate(root.certificateDer);
}
