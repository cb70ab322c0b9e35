import { createPublicKey, verify } from "node:crypto";
import { describe, expect } from "vitest";
import { LocalFileKeyStore } from "../src/adapters/keys/local-file-key-store.js";
import { initCa } from "../src/app/init-ca.js";
import { createIntermediateCertificate } from "../src/core/ca-hierarchy.js";
import type { KeyAlgorithm } from "../src/core/key-algorithms.js";
import { x509 } from "../src/core/x509.js";
import type { CaKeyStore, CaSigner } from "../src/ports/ca-key-store.js";
import { secureRandom, systemClock } from "../src/ports/clock.js";
import { test } from "./support/fixtures.js";
import type { TestVault } from "./support/key-vault.js";
import type { TempDir } from "./support/openssl.js";

let stores = 0;

/**
 * How to open an empty store of each kind: a fresh folder in the file's scratch folder, or fresh
 * certificate names in the file's one vault. Each names only the fixture it needs.
 */
type Opener = (context: { dataDir: TempDir; vault: TestVault }) => () => CaKeyStore;

/** Each store, how to open it, and whether its signatures are made in this process. */
const implementations: [string, Opener, boolean][] = [
  [
    "local file",
    ({ dataDir }) =>
      () =>
        new LocalFileKeyStore(`${dataDir.path}/store-${++stores}`, "contract test passphrase"),
    true,
  ],
  [
    "Azure Key Vault (emulator)",
    ({ vault }) =>
      () => {
        const suffix = ++stores;
        return vault.keyStore({
          certificateNames: { root: `root-${suffix}`, intermediate: `issuing-${suffix}` },
        });
      },
    false,
  ],
];

/** Verifies like a relying party: node's verifier, raw r‖s for ECDSA. */
function verifies(signer: CaSigner, data: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(signer.publicKeySpki), format: "der", type: "spki" });
  const hash = signer.signatureAlgorithm.hash === "SHA-384" ? "sha384" : "sha256";
  return verify(hash, data, { key, dsaEncoding: "ieee-p1363" }, signature);
}

const initRequest = (keyStore: CaKeyStore, keyAlgorithm: KeyAlgorithm = "ECDSA_P256") => ({
  keyStore,
  clock: systemClock,
  random: secureRandom,
  keyAlgorithm,
  name: "Contract",
  rootValidityDays: 3650,
  intermediateValidityDays: 1825,
});

describe.each(implementations)("CaKeyStore contract: %s", (_label, opener, inProcess) => {
  const it = test.extend("open", opener);

  it("has nothing before anything was created", async ({ open }) => {
    expect(await open().load("root")).toBeUndefined();
  });

  it.for([
    ["ECDSA_P256", "P-256", 64],
    ["ECDSA_P384", "P-384", 96],
  ] as const)(
    "creates a %s key whose signatures verify with its public key",
    async ([algorithm, curve, length], { open }) => {
      const store = open();
      const signer = await store.createKey("root", algorithm);
      expect(signer.keyAlgorithm).toBe(algorithm);
      expect(signer.signatureAlgorithm).toMatchObject({ name: "ECDSA", namedCurve: curve });
      // Only an in-process signer's device certificates skip the check of their signature.
      expect(signer.signsInProcess).toBe(inProcess);
      const data = new TextEncoder().encode("to be signed");
      const signature = await signer.sign(data);
      expect(signature.byteLength).toBe(length);
      expect(verifies(signer, data, signature)).toBe(true);
      expect(verifies(signer, new TextEncoder().encode("something else"), signature)).toBe(false);
    },
  );

  it("signs with RSA too", async ({ open }) => {
    const signer = await open().createKey("intermediate", "RSA_2048");
    const data = new TextEncoder().encode("rsa");
    expect(signer.signatureAlgorithm.name).toBe("RSASSA-PKCS1-v1_5");
    expect(verifies(signer, data, await signer.sign(data))).toBe(true);
  });

  it("loads a created key without a certificate (a half-done init), and never creates a second", async ({
    open,
  }) => {
    const store = open();
    const created = await store.createKey("root", "ECDSA_P256");
    const loaded = await store.load("root");
    expect(loaded?.certificateDer).toBeUndefined();
    expect(Buffer.from(loaded?.signer.publicKeySpki ?? [])).toEqual(Buffer.from(created.publicKeySpki));
    const data = new TextEncoder().encode("same key after load");
    expect(verifies(created, data, await (loaded as { signer: CaSigner }).signer.sign(data))).toBe(true);
    await expect(store.createKey("root", "ECDSA_P256")).rejects.toThrow();
    expect(Buffer.from((await store.load("root"))?.signer.publicKeySpki ?? [])).toEqual(
      Buffer.from(created.publicKeySpki),
    );
  });

  it("initialises once, keeps what exists, and never overwrites a certificate", async ({ open }) => {
    const store = open();
    const first = await initCa(initRequest(store));
    expect(first.created).toEqual(["root", "intermediate", "token-signing"]);
    expect(await first.intermediate.verify({ publicKey: first.root.publicKey, signatureOnly: true })).toBe(
      true,
    );
    const second = await initCa(initRequest(store));
    expect(second.created).toEqual([]);
    expect(Buffer.from(second.root.rawData)).toEqual(Buffer.from(first.root.rawData));
    expect(Buffer.from(second.intermediate.rawData)).toEqual(Buffer.from(first.intermediate.rawData));
    await expect(store.saveCertificate("root", new Uint8Array(first.intermediate.rawData))).rejects.toThrow();
    const root = await store.load("root");
    expect(Buffer.from(root?.certificateDer ?? [])).toEqual(Buffer.from(first.root.rawData));
  });

  it("resumes an init that stopped after creating a key, with that key", async ({ open }) => {
    const store = open();
    const pendingRoot = await store.createKey("root", "ECDSA_P384");
    const result = await initCa(initRequest(store, "ECDSA_P384"));
    expect(result.created).toEqual(["root", "intermediate", "token-signing"]);
    expect(Buffer.from(result.root.publicKey.rawData)).toEqual(Buffer.from(pendingRoot.publicKeySpki));
    expect(await result.root.verify({ signatureOnly: true })).toBe(true);
    expect(result.root.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
  });

  it("replaces the intermediate: a next key beside it (the same on a retry), then promoted with its certificate", async ({
    open,
  }) => {
    const store = open();
    const { root, intermediate } = await initCa(initRequest(store));
    const rootSigner = (await store.load("root"))?.signer as CaSigner;
    const next = await store.nextKey("intermediate", "ECDSA_P256");
    expect(Buffer.from((await store.nextKey("intermediate", "ECDSA_P256")).publicKeySpki)).toEqual(
      Buffer.from(next.publicKeySpki),
    );
    expect(Buffer.from(next.publicKeySpki)).not.toEqual(Buffer.from(intermediate.publicKey.rawData));
    // Until promotion, the current intermediate is what loads.
    expect(Buffer.from((await store.load("intermediate"))?.certificateDer ?? [])).toEqual(
      Buffer.from(intermediate.rawData),
    );
    await expect(store.promoteNextKey("intermediate", new Uint8Array(intermediate.rawData))).rejects.toThrow(
      /not for the (next|pending)/,
    );

    const successor = await createIntermediateCertificate({
      signer: next,
      rootSigner,
      root,
      commonName: "Contract Issuing CA",
      validityDays: 365,
      serialNumber: "7e57",
      now: new Date(),
    });
    const der = new Uint8Array(successor.rawData);
    const promoted = await store.promoteNextKey("intermediate", der);
    expect(Buffer.from(promoted.signer.publicKeySpki)).toEqual(Buffer.from(next.publicKeySpki));
    expect(promoted.replacedKeyRef).toMatch(/retired|\/keys\//);
    expect(promoted.replacedKeyRef).not.toBe(promoted.signer.keyRef);
    const loaded = await store.load("intermediate");
    expect(Buffer.from(loaded?.certificateDer ?? [])).toEqual(Buffer.from(der));
    const data = new TextEncoder().encode("signed by the successor");
    expect(verifies(next, data, await (loaded as { signer: CaSigner }).signer.sign(data))).toBe(true);
    // A retry after success changes nothing.
    const again = await store.promoteNextKey("intermediate", der);
    expect(Buffer.from(again.signer.publicKeySpki)).toEqual(Buffer.from(next.publicKeySpki));
    expect(again.replacedKeyRef).toBeUndefined();
    expect(Buffer.from((await store.load("root"))?.certificateDer ?? [])).toEqual(Buffer.from(root.rawData));

    // Then the replaced key is disabled where the store can (Key Vault; archived files stay as
    // they are), once: run again, nothing is left to disable. The successor and the root still sign.
    const disabled = await store.disableReplacedKeys("intermediate");
    if (store.kind === "keyvault") expect(disabled).toContain(promoted.replacedKeyRef);
    else expect(disabled).toEqual([]);
    expect(await store.disableReplacedKeys("intermediate")).toEqual([]);
    const after = (await store.load("intermediate")) as { certificateDer: Uint8Array; signer: CaSigner };
    expect(Buffer.from(after.certificateDer)).toEqual(Buffer.from(der));
    expect(verifies(next, data, await after.signer.sign(data))).toBe(true);
    const rootAfter = (await store.load("root")) as { signer: CaSigner };
    expect(verifies(rootSigner, data, await rootAfter.signer.sign(data))).toBe(true);
  });

  it("has no next key to promote before one was made", async ({ open }) => {
    const store = open();
    const { intermediate } = await initCa(initRequest(store));
    const other = new Uint8Array((await initCa(initRequest(open()))).intermediate.rawData);
    await expect(store.promoteNextKey("intermediate", other)).rejects.toThrow(/no (next|pending)/);
    expect(Buffer.from((await store.load("intermediate"))?.certificateDer ?? [])).toEqual(
      Buffer.from(intermediate.rawData),
    );
  });
});
