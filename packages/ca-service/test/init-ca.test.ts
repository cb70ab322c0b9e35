import { join } from "node:path";
import { describe, expect } from "vitest";
import { LocalFileKeyStore } from "../src/adapters/keys/local-file-key-store.js";
import { initCa } from "../src/app/init-ca.js";
import { CaError } from "../src/core/errors.js";
import type { CaKeyStore, CaName } from "../src/ports/ca-key-store.js";
import { secureRandom, systemClock } from "../src/ports/clock.js";
import { it } from "./support/fixtures.js";
import type { TempDir } from "./support/openssl.js";

const store = (dir: TempDir, name: string) =>
  new LocalFileKeyStore(join(dir.path, name), "init test passphrase");
const init = (keyStore: CaKeyStore) =>
  initCa({
    keyStore,
    clock: systemClock,
    random: secureRandom,
    keyAlgorithm: "ECDSA_P256",
    name: "Init",
    rootValidityDays: 3650,
    intermediateValidityDays: 1825,
  });

/** A key store whose root comes from elsewhere (another CA's, or none), recording what init creates. */
function withRoot(keyStore: CaKeyStore, root: CaKeyStore | undefined) {
  const created: CaName[] = [];
  const patched: CaKeyStore = {
    kind: keyStore.kind,
    load: (name) =>
      name === "root" ? (root?.load("root") ?? Promise.resolve(undefined)) : keyStore.load(name),
    createKey: (name, algorithm) => {
      created.push(name);
      return keyStore.createKey(name, algorithm);
    },
    saveCertificate: (name, der) => keyStore.saveCertificate(name, der),
    nextKey: (name, algorithm) => keyStore.nextKey(name, algorithm),
    promoteNextKey: (name, der) => keyStore.promoteNextKey(name, der),
    disableReplacedKeys: (name) => keyStore.disableReplacedKeys(name),
    check: () => keyStore.check(),
  };
  return { patched, created };
}

describe("initCa checks the pair it reports", () => {
  it("refuses a root that did not sign the intermediate, and builds nothing on it", async ({ dataDir }) => {
    await init(store(dataDir, "mine"));
    await init(store(dataDir, "other"));
    const { patched, created } = withRoot(store(dataDir, "mine"), store(dataDir, "other"));
    const failure = await init(patched).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CaError);
    expect((failure as CaError).code).toBe("ca_material_invalid");
    expect((failure as CaError).message).toBe("the intermediate certificate is not signed by the root");
    expect(created).toEqual([]);
  });

  it("refuses to create a root under an existing intermediate", async ({ dataDir }) => {
    await init(store(dataDir, "orphan"));
    const { patched, created } = withRoot(store(dataDir, "orphan"), undefined);
    await expect(init(patched)).rejects.toThrow(
      "the intermediate certificate exists but the root certificate does not",
    );
    expect(created).toEqual([]);
  });
});
