import { cp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalFileKeyStore } from "../src/adapters/keys/local-file-key-store.js";
import { initCa } from "../src/app/init-ca.js";
import { CaError } from "../src/core/errors.js";
import type { CaKeyStore } from "../src/ports/ca-key-store.js";
import { secureRandom, systemClock } from "../src/ports/clock.js";
import { type TempDir, tempDir } from "./support/openssl.js";

let dir: TempDir;

beforeAll(async () => {
  dir = await tempDir();
});

afterAll(async () => {
  await dir.remove();
});

const PASSPHRASE = "init test passphrase";
const store = (name: string) => new LocalFileKeyStore(join(dir.path, name), PASSPHRASE);
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

/** Replaces the root of one data folder with the root of another. */
async function copyRoot(from: string, to: string): Promise<void> {
  for (const file of ["keys/root.key.json", "ca/root.pem"]) {
    await cp(join(dir.path, from, file), join(dir.path, to, file));
  }
}

describe("initCa checks the pair it reports", () => {
  it("refuses a root that did not sign the intermediate, and builds nothing on it", async () => {
    await init(store("mine"));
    await init(store("other"));
    await copyRoot("other", "mine");
    const failure = await init(store("mine")).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CaError);
    expect((failure as CaError).code).toBe("ca_material_invalid");
    expect((failure as CaError).message).toBe("the intermediate certificate is not signed by the root");
  });

  it("refuses to create a root under an existing intermediate", async () => {
    await init(store("orphan"));
    await rm(join(dir.path, "orphan/keys/root.key.json"));
    await rm(join(dir.path, "orphan/ca/root.pem"));
    await expect(init(store("orphan"))).rejects.toThrow(
      "the intermediate certificate exists but the root certificate does not",
    );
    expect(await store("orphan").load("root")).toBeUndefined();
  });
});
