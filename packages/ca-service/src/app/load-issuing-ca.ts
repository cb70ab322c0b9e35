import { assertCaPairConsistent } from "../core/ca-hierarchy.js";
import type { IssuingCa } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import { x509 } from "../core/x509.js";
import type { CaKeyStore } from "../ports/ca-key-store.js";
import type { Clock } from "../ports/clock.js";

/** Loads the root and the intermediate for serving, refusing material that does not fit together. */
export async function loadIssuingCa(keyStore: CaKeyStore, clock: Clock): Promise<IssuingCa> {
  const [root, intermediate] = await Promise.all([keyStore.load("root"), keyStore.load("intermediate")]);
  if (!root?.certificateDer || !intermediate?.certificateDer) {
    throw new CaError("ca_not_initialized", "the CA is not initialised: run `edge-pki-ca init` first");
  }
  const rootCertificate = new x509.X509Certificate(root.certificateDer);
  const intermediateCertificate = new x509.X509Certificate(intermediate.certificateDer);
  await assertCaPairConsistent(
    { certificate: rootCertificate, signer: root.signer },
    { certificate: intermediateCertificate, signer: intermediate.signer },
    clock.now(),
  );
  return {
    signer: intermediate.signer,
    certificate: intermediateCertificate,
    root: rootCertificate,
    rootSigner: root.signer,
  };
}
