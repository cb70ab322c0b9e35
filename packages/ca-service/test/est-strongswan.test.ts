import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { type Est, enroll, openssl, run, testWithEst } from "./support/est.js";
import { strongSwanUnavailable } from "./support/strongswan.js";

/**
 * EST with strongSwan's `pki --estca` / `--est`: a client of its own TLS and HTTP stack, which
 * wants unwrapped base64, a Content-Length and HTTP/1.1. It reaches only the unlabelled paths, and
 * it sends a TLS client certificate only to renew it (simplereenroll); its simpleenroll needs
 * HTTP Basic, which is not served yet, so here it must get a 401.
 */
const unavailable = strongSwanUnavailable();
if (unavailable !== undefined) console.warn(`SKIPPED est-strongswan.test.ts: ${unavailable}`);
const it = testWithEst.skipIf(unavailable !== undefined);

/** pki's own output, and whether it succeeded; its stderr carries its log. */
async function pki(est: Est, args: string[]): Promise<{ ok: boolean; out: string }> {
  const base = est.url.replace(/\/\.well-known\/est$/, "");
  const marker = "__exit__";
  const out = await run("sh", ["-c", `pki "$@" 2>&1; echo ${marker}$?`, "pki", ...args, "--url", base]);
  const [text = "", status = "1"] = out.split(marker);
  return { ok: status.trim() === "0", out: text };
}

it("pki --estca fetches the intermediate and the root", async ({ est }) => {
  const answer = await pki(est, [
    "--estca",
    "--cacert",
    join(est.dir, "root.pem"),
    "--caout",
    join(est.dir, "sw-ca.pem"),
    "--outform",
    "pem",
    "--force",
  ]);
  expect(answer.ok, answer.out).toBe(true);
  const written = ["sw-ca.pem", "sw-ca-1.pem", "sw-ca-2.pem"]
    .map((file) => {
      try {
        return readFileSync(join(est.dir, file), "utf8");
      } catch {
        return "";
      }
    })
    .join("");
  expect(written).toContain(est.rootPem.trim().split("\n")[1]);
});

it("pki --est renews a device certificate through simplereenroll with it as TLS client certificate", async ({
  est,
}) => {
  expect(
    (await enroll(est, "sw-id", "simpleenroll", "boot-edge-2", "/CN=edge-2", ["extendedKeyUsage=clientAuth"]))
      .status,
  ).toBe(200);
  expect((await enroll(est, "sw-dev", "simpleenroll", "sw-id", "/CN=edge-2")).status).toBe(200);
  openssl(
    est.dir,
    "req",
    "-new",
    "-key",
    "sw-dev.key",
    "-subj",
    "/CN=edge-2",
    "-outform",
    "DER",
    "-out",
    "sw-renew.der",
  );
  const answer = await pki(est, [
    "--est",
    "--in",
    join(est.dir, "sw-renew.der"),
    "--cacert",
    join(est.dir, "root.pem"),
    "--cert",
    join(est.dir, "sw-dev.pem"),
    "--key",
    join(est.dir, "sw-dev.key"),
    "--outform",
    "pem",
  ]);
  expect(answer.ok, answer.out).toBe(true);
  const renewed = answer.out.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
  expect(renewed, answer.out).toBeDefined();
  writeFileSync(join(est.dir, "sw-renewed.pem"), `${renewed}\n`);
  expect(openssl(est.dir, "x509", "-in", "sw-renewed.pem", "-noout", "-subject")).toMatch(/CN ?= ?edge-2/);
});

it("pki --est without credentials is refused (simpleenroll needs HTTP Basic)", async ({ est }) => {
  openssl(
    est.dir,
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "sw-anon.key",
    "-subj",
    "/CN=edge-2",
    "-outform",
    "DER",
    "-out",
    "sw-anon.der",
  );
  const answer = await pki(est, [
    "--est",
    "--in",
    join(est.dir, "sw-anon.der"),
    "--cacert",
    join(est.dir, "root.pem"),
    "--maxpolltime",
    "1",
  ]);
  expect(answer.ok).toBe(false);
  expect(answer.out).toMatch(/401/);
});
