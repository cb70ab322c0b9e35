import { X509Certificate } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { checkDeviceFiles, EdgePkiClient, writeDeviceFiles } from "../src/index.js";
import { test } from "./support/fixtures.js";
import { openssl } from "./support/openssl.js";

describe("createDeviceIdentity against the real service", () => {
  test.for(["ECDSA_P256", "ECDSA_P384", "RSA_2048"] as const)(
    "a %s key made here, its files in the IoT Edge layout, verified by openssl",
    async (keyAlgorithm, { ca, dir }) => {
      const client = new EdgePkiClient({ baseUrl: ca.url, credential: await ca.token("issuer") });
      const deviceId = `sdk-${keyAlgorithm.toLowerCase()}`;
      const identity = await client.createDeviceIdentity(deviceId, { keyAlgorithm, validityDays: 30 });
      expect(identity.deviceId).toBe(deviceId);
      expect(identity.keyAlgorithm).toBe(keyAlgorithm);

      const files = await writeDeviceFiles(dir, identity);
      expect(files.fullChain).toBe(
        join(dir, `certs/iot-edge-device-identity-${deviceId}-full-chain.cert.pem`),
      );
      expect(files.certificate).toBe(join(dir, `certs/iot-edge-device-identity-${deviceId}.cert.pem`));
      expect(files.privateKey).toBe(join(dir, `private/iot-edge-device-identity-${deviceId}.key.pem`));
      expect(files.root).toBe(join(dir, "certs/edge-pki-root-ca.cert.pem"));
      expect((await stat(files.privateKey)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, "private"))).mode & 0o777).toBe(0o700);
      expect((await stat(files.fullChain)).mode & 0o777).toBe(0o644);

      // openssl: the leaf (first in the chain file) verifies to the root through the issuing CA.
      const chain = await readFile(files.fullChain, "utf8");
      const intermediate = chain.split(/(?<=-----END CERTIFICATE-----\n)/)[1] ?? "";
      const untrusted = join(dir, "intermediate.pem");
      await writeFile(untrusted, intermediate);
      const verified = await openssl([
        "verify",
        "-CAfile",
        files.root,
        "-untrusted",
        untrusted,
        files.certificate,
      ]);
      expect(verified).toEqual({ code: 0, output: `${files.certificate}: OK\n` });
      const keyMatches = await openssl(["x509", "-in", files.fullChain, "-noout", "-pubkey"]);
      const keyPublic = await openssl(["pkey", "-in", files.privateKey, "-pubout"]);
      expect(keyMatches.output).toBe(keyPublic.output);
      expect(new X509Certificate(chain).subject).toBe(`CN=${deviceId}`);

      expect(await checkDeviceFiles(dir, deviceId)).toEqual({ ok: true, problems: [] });
      const record = await client.getCertificate(identity.serialNumber).catch((error) => error);
      // An issuer may not read records: the typed error says so.
      expect(record.code).toBe("ERR_FORBIDDEN");
    },
  );
});
