import {
  assertCaMaterial,
  assertCaPairConsistent,
  createIntermediateCertificate,
  createRootCertificate,
} from "../core/ca-hierarchy.js";
import { CaError } from "../core/errors.js";
import type { KeyAlgorithm } from "../core/key-algorithms.js";
import { randomSerialNumber } from "../core/serial-number.js";
import {
  assertTokenKey,
  assertTokenSigner,
  createTokenSignerCertificate,
  TOKEN_KEY_ALGORITHM,
} from "../core/token-signer-certificate.js";
import { x509 } from "../core/x509.js";
import type { CaKeyStore, CaName, CaSigner, StoredCa } from "../ports/ca-key-store.js";
import type { Clock, RandomBytes } from "../ports/clock.js";

export interface InitCaRequest {
  keyStore: CaKeyStore;
  clock: Clock;
  random: RandomBytes;
  keyAlgorithm: KeyAlgorithm;
  /**
   * Prefix of the common names: "<name> Root CA", "<name> Issuing CA" and "<name> Token Signer".
   */
  name: string;
  rootValidityDays: number;
  /** The intermediate's lifetime, which the token-signing certificate shares. */
  intermediateValidityDays: number;
}

export interface InitCaResult {
  /** What this run certified (it may have found the key already); empty when everything existed. */
  created: CaName[];
  root: x509.X509Certificate;
  intermediate: x509.X509Certificate;
}

interface Part {
  keyAlgorithm: KeyAlgorithm;
  make(signer: CaSigner): Promise<x509.X509Certificate>;
  /** Refuses existing material that cannot serve (a root adopted from Key Vault that is no CA). */
  assertFits(certificate: x509.X509Certificate, signer: CaSigner): void | Promise<void>;
}

/**
 * Creates whatever part of the CA (root, intermediate, token-signing key) is missing and never
 * touches what exists, so it is safe to run on every start, resumes an init that stopped half-way
 * (a key without its certificate), and completes data folders and vaults made before a part existed.
 * It reports success only for a pair that chains: the intermediate signed by the root, each
 * certificate on its own key.
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
  const ensure = async (name: CaName, part: Part, preloaded?: StoredCa) => {
    const stored = preloaded ?? (await keyStore.load(name));
    if (stored?.certificateDer) {
      // Existing material may have been made elsewhere (a root adopted from Key Vault): refuse it
      // before anything is built on it.
      const certificate = new x509.X509Certificate(stored.certificateDer);
      await part.assertFits(certificate, stored.signer);
      return { signer: stored.signer, certificate };
    }
    const signer = stored?.signer ?? (await keyStore.createKey(name, part.keyAlgorithm));
    const certificate = await part.make(signer);
    // What signs from here on (the root certifies the rest) is the key the store serves the saved
    // certificate with: in Key Vault, the key of the certificate's current version.
    const served = await keyStore.saveCertificate(name, new Uint8Array(certificate.rawData));
    created.push(name);
    return { signer: served ?? signer, certificate };
  };
  const serialNumber = () => randomSerialNumber(request.random);

  const root = await ensure(
    "root",
    {
      keyAlgorithm: request.keyAlgorithm,
      assertFits: (certificate, signer) => assertCaMaterial("root", { certificate, signer }),
      make: (signer) =>
        createRootCertificate({
          signer,
          commonName: `${request.name} Root CA`,
          validityDays: request.rootValidityDays,
          serialNumber: serialNumber(),
          now: request.clock.now(),
        }),
    },
    storedRoot,
  );
  const intermediate = await ensure(
    "intermediate",
    {
      keyAlgorithm: request.keyAlgorithm,
      assertFits: (certificate, signer) => assertCaMaterial("intermediate", { certificate, signer }),
      make: (signer) =>
        createIntermediateCertificate({
          signer,
          rootSigner: root.signer,
          root: root.certificate,
          commonName: `${request.name} Issuing CA`,
          validityDays: request.intermediateValidityDays,
          serialNumber: serialNumber(),
          now: request.clock.now(),
        }),
    },
    storedIntermediate,
  );
  await assertCaPairConsistent(root, intermediate, request.clock.now());
  await ensure("token-signing", {
    keyAlgorithm: TOKEN_KEY_ALGORITHM,
    assertFits: (certificate, signer) => assertTokenSigner(certificate, signer, root.certificate),
    make: (signer) => {
      assertTokenKey(signer);
      return createTokenSignerCertificate({
        signer,
        rootSigner: root.signer,
        root: root.certificate,
        commonName: `${request.name} Token Signer`,
        validityDays: request.intermediateValidityDays,
        serialNumber: serialNumber(),
        now: request.clock.now(),
      });
    },
  });
  return { created, root: root.certificate, intermediate: intermediate.certificate };
}
