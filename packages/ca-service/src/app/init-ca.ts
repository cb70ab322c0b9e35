import {
  assertCaMaterial,
  assertCaPairConsistent,
  createIntermediateCertificate,
  createRootCertificate,
} from "../core/ca-hierarchy.js";
import { CaError } from "../core/errors.js";
import type { KeyAlgorithm } from "../core/key-algorithms.js";
import { randomSerialNumber } from "../core/serial-number.js";
import { x509 } from "../core/x509.js";
import type { CaKeyStore, CaName, CaSigner, StoredCa } from "../ports/ca-key-store.js";
import type { Clock, RandomBytes } from "../ports/clock.js";

export interface InitCaRequest {
  keyStore: CaKeyStore;
  clock: Clock;
  random: RandomBytes;
  keyAlgorithm: KeyAlgorithm;
  /** Prefix of both CA common names: "<name> Root CA" and "<name> Issuing CA". */
  name: string;
  rootValidityDays: number;
  intermediateValidityDays: number;
}

export interface InitCaResult {
  /** What this run created; empty when the CA already existed. */
  created: CaName[];
  root: x509.X509Certificate;
  intermediate: x509.X509Certificate;
}

/**
 * Creates whatever part of the CA is missing and never touches what exists, so it is safe to run on
 * every start and resumes an init that stopped half-way (a key without its certificate). It reports
 * success only for a pair that chains: the intermediate signed by the root, each certificate on its
 * own key.
 */
export async function initCa(request: InitCaRequest): Promise<InitCaResult> {
  const { keyStore } = request;
  const storedRoot = await keyStore.load("root");
  const storedIntermediate = await keyStore.load("intermediate");
  if (!storedRoot?.certificateDer && storedIntermediate?.certificateDer) {
    throw new CaError(
      "ca_material_invalid",
      "the intermediate certificate exists but the root certificate does not; a new root would not be its issuer, so init creates nothing (restore the root)",
    );
  }
  const created: CaName[] = [];
  const ensure = async (
    name: CaName,
    stored: StoredCa | undefined,
    makeCertificate: (signer: CaSigner) => Promise<x509.X509Certificate>,
  ): Promise<{ signer: CaSigner; certificate: x509.X509Certificate }> => {
    if (stored?.certificateDer) {
      // Existing material may have been made elsewhere (a root adopted from Key Vault): refuse it
      // before anything is built on it.
      const existing = {
        signer: stored.signer,
        certificate: new x509.X509Certificate(stored.certificateDer),
      };
      assertCaMaterial(name, existing);
      return existing;
    }
    const signer = stored?.signer ?? (await keyStore.createKey(name, request.keyAlgorithm));
    const certificate = await makeCertificate(signer);
    await keyStore.saveCertificate(name, new Uint8Array(certificate.rawData));
    created.push(name);
    return { signer, certificate };
  };

  const root = await ensure("root", storedRoot, (signer) =>
    createRootCertificate({
      signer,
      commonName: `${request.name} Root CA`,
      validityDays: request.rootValidityDays,
      serialNumber: randomSerialNumber(request.random),
      now: request.clock.now(),
    }),
  );
  const intermediate = await ensure("intermediate", storedIntermediate, (signer) =>
    createIntermediateCertificate({
      signer,
      rootSigner: root.signer,
      root: root.certificate,
      commonName: `${request.name} Issuing CA`,
      validityDays: request.intermediateValidityDays,
      serialNumber: randomSerialNumber(request.random),
      now: request.clock.now(),
    }),
  );
  await assertCaPairConsistent(root, intermediate, request.clock.now());
  return { created, root: root.certificate, intermediate: intermediate.certificate };
}
