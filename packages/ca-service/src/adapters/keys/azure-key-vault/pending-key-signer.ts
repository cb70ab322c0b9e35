import { CaError } from "../../../core/errors.js";
import { classifyPublicKey, signatureAlgorithmFor } from "../../../core/key-algorithms.js";
import { x509 } from "../../../core/x509.js";
import type { CaSigner } from "../../../ports/ca-key-store.js";

/**
 * The key of a pending certificate: its public half (from the CSR) is enough to certify it, but a
 * pending certificate's key is disabled, so signing is refused with the way out. By default the
 * way out is for a certificate an older init left pending.
 */
export function pendingKeySigner(
  vaultUrl: string,
  certificateName: string,
  csrDer: Uint8Array,
  wayOut = `Key Vault certificate ${certificateName} is pending (left by an init from before Edge PKI made key placeholders) and a pending certificate's key cannot sign: delete the pending operation (az keyvault certificate pending delete --vault-name <vault> --name ${certificateName}) and run init again`,
): CaSigner {
  const publicKeySpki = new Uint8Array(new x509.Pkcs10CertificateRequest(csrDer).publicKey.rawData);
  const keyAlgorithm = classifyPublicKey(publicKeySpki);
  return {
    keyRef: `${vaultUrl}/certificates/${certificateName}/pending`,
    keyAlgorithm,
    signatureAlgorithm: signatureAlgorithmFor(keyAlgorithm),
    publicKeySpki,
    signsInProcess: false,
    sign: () => Promise.reject(new CaError("ca_material_invalid", wayOut)),
  };
}
