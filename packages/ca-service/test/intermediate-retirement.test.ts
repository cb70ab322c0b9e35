import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuditPage } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { it } from "./support/fixtures.js";
import { openssl, opensslCsr } from "./support/openssl.js";
import {
  enrolledDevice,
  renewDevice,
  retireWithCli,
  serialOfPem,
  servedCa,
  servedCrls,
  successorServedBy,
  verifyWithCrls,
} from "./support/retirement.js";
import { call, type TestService } from "./support/service.js";

// The service and its replica share the data folder (local key files, one SQLite file), as the
// operator's `edge-pki-ca intermediate retire` does; each replica follows within seconds by itself.
// The tests retire the file's intermediate one after another: each reads the one in use first.

const cliEnv = (service: TestService) => ({
  EDGE_PKI_DATA_DIR: service.dataDir,
  EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret",
});

const keyFiles = async (service: TestService) => ({
  key: await readFile(join(service.dataDir, "keys", "intermediate.key.pem"), "utf8"),
  certificate: await readFile(join(service.dataDir, "ca", "intermediate.pem"), "utf8"),
});

describe("edge-pki-ca intermediate retire", () => {
  it("refuses a missing or bad serial or reason in one line, and changes nothing", async ({ service }) => {
    const before = { ca: await servedCa(service.url), files: await keyFiles(service) };
    const current = serialOfPem(before.ca.intermediateCertificatePem);
    const root = serialOfPem(before.ca.rootCertificatePem);
    const refusals: [string[], number, RegExp][] = [
      [
        ["--serial", root, "--reason", "superseded"],
        1,
        new RegExp(
          `^${root} is not the issuing intermediate, nor one retired before \\(it is a root certificate\\); the issuing intermediate is ${current}: nothing was retired$`,
        ),
      ],
      [
        ["--serial", current, "--reason", "stolen"],
        2,
        /^--reason must be one of unspecified, keyCompromise, /,
      ],
      [["--serial", current], 2, /^--reason must be one of /],
      [
        ["--reason", "superseded"],
        2,
        /^--serial is required: the serial number of the intermediate to retire /,
      ],
      [
        ["--serial", "not-hex", "--reason", "superseded"],
        2,
        /^--serial must be a serial number in hexadecimal/,
      ],
      // Not the intermediate in use, nor one retired before: a typo, or another CA's.
      [
        ["--serial", "0123", "--reason", "superseded"],
        1,
        new RegExp(
          `^0123 is not the issuing intermediate, nor one retired before; the issuing intermediate is ${current}: nothing was retired$`,
        ),
      ],
    ];
    for (const [args, code, message] of refusals) {
      const refused = await retireWithCli(args, cliEnv(service));
      expect({ args, code: refused.code, stdout: refused.stdout }).toEqual({ args, code, stdout: "" });
      expect(refused.stderr).toMatch(/^edge-pki-ca: .*\n$/);
      expect(refused.stderr.slice("edge-pki-ca: ".length).trimEnd()).toMatch(message);
    }
    expect(await servedCa(service.url)).toEqual(before.ca);
    expect(await keyFiles(service)).toEqual(before.files);
    const rootCrl = await openssl(["crl", "-noout", "-text"], {
      input: (await servedCrls(service.url)).root,
    });
    expect(rootCrl).toContain("No Revoked Certificates.");
    const issued = await call(`${service.url}/v1/credentials`, {
      token: service.adminToken,
      body: { deviceId: "after-bad-reason" },
    });
    expect(issued.status).toBe(201);
  });

  it("keyCompromise: the old intermediate is on the root's CRL, every replica signs with the new one, old devices must enrol again", async ({
    service,
    replica,
    dataDir: dir,
  }) => {
    const before = await servedCa(service.url);
    const retired = serialOfPem(before.intermediateCertificatePem);
    const device = await enrolledDevice(service, dir, "compromised-era-1");
    // An issuance a caller may retry with its Idempotency-Key after the retirement.
    const retried = {
      token: service.adminToken,
      headers: { "idempotency-key": "before-retirement-1" },
      body: { csr: (await opensslCsr(dir, "/CN=retried-era-1")).csrPem },
    };
    expect((await call(`${service.url}/v1/certificates`, retried)).status).toBe(201);
    // The CRL the old intermediate signed, as a relying party would have cached it.
    const crlsBefore = await servedCrls(service.url);
    const oldChain = {
      rootPem: before.rootCertificatePem,
      intermediatePem: before.intermediateCertificatePem,
      leafPath: device.leafPath,
    };
    expect(
      await verifyWithCrls(dir, { ...oldChain, crlPems: [crlsBefore.issuing, crlsBefore.root] }),
    ).toMatchObject({ code: 0 });

    // As openssl prints it: upper case, colons between bytes.
    const opensslSerial = retired.toUpperCase().match(/../g)?.join(":") as string;
    const retirement = await retireWithCli(
      // As `openssl x509 -noout -serial` prints it, pasted with its newline.
      ["--serial", `serial=${opensslSerial}\n`, "--reason", "keyCompromise"],
      cliEnv(service),
    );
    expect(retirement).toMatchObject({ code: 0, stderr: "" });
    const after = await successorServedBy(service.url, retired);
    const successor = serialOfPem(after.intermediateCertificatePem);
    expect(retirement.stdout).toContain(`retired intermediate ${retired} (keyCompromise, revoked `);
    expect(retirement.stdout).toContain(`new intermediate ${successor}, valid until `);
    expect(await successorServedBy(replica.url, retired)).toEqual(after);
    expect(after.rootCertificatePem).toBe(before.rootCertificatePem);
    expect(await call(`${replica.url}/v1/ca/chain.pem`).then((chain) => chain.text)).toBe(after.chainPem);

    // The root's CRL lists the old intermediate with the reason; openssl now refuses its certificates.
    const crlsAfter = await servedCrls(replica.url);
    const rootCrlText = await openssl(["crl", "-noout", "-text"], { input: crlsAfter.root });
    const entry = rootCrlText.split("Serial Number: ").find((part) => part.startsWith(retired.toUpperCase()));
    expect(entry).toMatch(/Key Compromise/);
    const oldVerdict = await verifyWithCrls(dir, {
      ...oldChain,
      crlPems: [crlsBefore.issuing, crlsAfter.root],
    });
    expect(oldVerdict.code).not.toBe(0);
    expect(oldVerdict.output).toContain("error 23 at 1 depth lookup: certificate revoked");
    // With only what is served now, the old intermediate's CRL is gone: openssl still refuses.
    const servedNow = await verifyWithCrls(dir, {
      ...oldChain,
      crlPems: [crlsAfter.issuing, crlsAfter.root],
    });
    expect(servedNow.code).not.toBe(0);
    expect(servedNow.output).toContain("error 3 at 0 depth lookup: unable to get certificate CRL");

    // A retry of an issuance made before is not handed a certificate of the retired intermediate.
    const replay = await call(`${service.url}/v1/certificates`, retried);
    expect({ status: replay.status, code: replay.problem.code }).toEqual({
      status: 409,
      code: "already_revoked",
    });
    expect(replay.problem.detail).toContain("signed by an issuing CA that has since been retired");

    // New certificates come from the successor, on either replica, and verify with the new chain.
    const fresh = await enrolledDevice(
      { url: replica.url, adminToken: service.adminToken },
      dir,
      "after-retire-1",
    );
    expect(fresh.issued.fullChainPem).toContain(after.intermediateCertificatePem.trim());
    const crlsNow = await servedCrls(service.url);
    expect(await openssl(["crl", "-noout", "-issuer"], { input: crlsNow.issuing })).toContain("Issuing CA");
    expect(
      await verifyWithCrls(dir, {
        rootPem: after.rootCertificatePem,
        intermediatePem: after.intermediateCertificatePem,
        leafPath: fresh.leafPath,
        crlPems: [crlsNow.issuing, crlsNow.root],
      }),
    ).toMatchObject({ code: 0 });

    // A proof from a certificate of the compromised intermediate proves nothing: enrol again.
    const renewal = await renewDevice(service.url, dir, device);
    expect(renewal.status).toBe(403);
    expect(renewal.problem).toMatchObject({ code: "reenrolment_required" });
    expect(renewal.problem.detail).toContain("enrol the device again");

    // The old key and certificate are kept, private, beside the new ones.
    const archivedKey = join(service.dataDir, "keys", "retired", `intermediate-${retired}.key.pem`);
    expect((await stat(archivedKey)).mode & 0o777).toBe(0o600);
    expect(retirement.stdout).toContain(`its key is kept: keys/retired/intermediate-${retired}.key.pem\n`);
    expect(
      await readFile(join(service.dataDir, "ca", "retired", `intermediate-${retired}.pem`), "utf8"),
    ).toBe(before.intermediateCertificatePem.trim());
    const audit = await call<AuditPage>(`${service.url}/v1/audit?limit=1000`, { token: service.adminToken });
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({
        action: "intermediate.retire",
        actor: "edge-pki-ca intermediate retire",
        target: retired,
        details: { reason: "keyCompromise" },
      }),
    );
  });

  it("superseded: certificates of the retired intermediate renew onto its successor; run again, it leaves the successor alone", async ({
    service,
    dataDir: dir,
  }) => {
    const retired = serialOfPem((await servedCa(service.url)).intermediateCertificatePem);
    const device = await enrolledDevice(service, dir, "superseded-era-1");
    const command = ["--serial", retired, "--reason", "superseded"];
    const retirement = await retireWithCli(command, cliEnv(service));
    expect(retirement.code).toBe(0);
    const after = await successorServedBy(service.url, retired);
    const successor = serialOfPem(after.intermediateCertificatePem);

    // The same command again (a retry after a timeout, a second operator): nothing changes.
    const again = await retireWithCli(command, cliEnv(service));
    expect(again).toMatchObject({ code: 0, stderr: "" });
    expect(again.stdout).toMatch(
      new RegExp(
        `^intermediate ${retired} was already retired \\(superseded, revoked [^)]+\\); the issuing intermediate is ${successor}: nothing done\n$`,
      ),
    );
    expect(await servedCa(service.url)).toEqual(after);
    // Again with another reason (a compromise found out after a routine replacement): refused, since
    // the reason cannot be changed here, rather than "nothing done" while its devices may renew.
    const otherReason = await retireWithCli(
      ["--serial", retired, "--reason", "keyCompromise"],
      cliEnv(service),
    );
    expect(otherReason).toMatchObject({ code: 1, stdout: "" });
    expect(otherReason.stderr).toMatch(
      new RegExp(
        `^edge-pki-ca: intermediate ${retired} was already retired as superseded at [^;]+; its reason cannot be changed to keyCompromise \\(see docs/operations.md\\): nothing was changed\n$`,
      ),
    );
    expect(await servedCa(service.url)).toEqual(after);
    const renewal = await renewDevice(service.url, dir, device);
    expect(renewal.status).toBe(201);
    expect(renewal.body.fullChainPem).toContain(after.intermediateCertificatePem.trim());
  });

  it("finishes a retirement that stopped after the revocation; until then nothing is signed", async ({
    service,
    replica,
  }) => {
    const retired = serialOfPem((await servedCa(service.url)).intermediateCertificatePem);
    // The first step of a retirement, as if the command had stopped right after it.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    await service.context.store.revoke({
      serialNumber: retired,
      reason: "cACompromise",
      at,
      audit: { at, actor: "test", action: "intermediate.retire", target: retired, outcome: "success" },
    });
    const issue = () =>
      call(`${replica.url}/v1/credentials`, { token: service.adminToken, body: { deviceId: "in-between" } });
    let refused = await issue();
    for (let attempt = 0; attempt < 60 && refused.status === 201; attempt++) {
      await sleep(200);
      refused = await issue();
    }
    expect(refused.status).toBe(503);
    expect(refused.problem).toMatchObject({ code: "issuing_ca_retired" });
    expect((await call(`${replica.url}/v1/ca/crl.pem`)).status).toBe(200);

    // Naming an intermediate retired before, while the one in use waits for its successor: the
    // operator is told to finish that one first, not that there is nothing to do.
    const earlier = (await service.context.store.listByProfile("intermediate", { limit: 100 })).find(
      (record) => record.serialNumber !== retired && record.status === "revoked",
    );
    expect(earlier).toBeDefined();
    const olderOne = await retireWithCli(
      ["--serial", earlier?.serialNumber as string, "--reason", earlier?.revocationReason as string],
      cliEnv(service),
    );
    expect(olderOne.code).toBe(1);
    expect(olderOne.stderr).toBe(
      `edge-pki-ca: the issuing intermediate ${retired} is itself retired (cACompromise) and its successor is not in place yet: run again with --serial ${retired} --reason cACompromise to finish that first\n`,
    );

    const otherReason = await retireWithCli(["--serial", retired, "--reason", "superseded"], cliEnv(service));
    expect(otherReason.code).toBe(1);
    expect(otherReason.stderr).toMatch(
      /^edge-pki-ca: the intermediate .* was already retired .*--reason cACompromise.*\n$/,
    );

    const finished = await retireWithCli(["--serial", retired, "--reason", "cACompromise"], cliEnv(service));
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain(`finished retiring intermediate ${retired} (cACompromise`);
    const after = await successorServedBy(replica.url, retired);
    const issued = await issue();
    expect(issued.status).toBe(201);
    expect(JSON.stringify(issued.body)).toContain(after.intermediateCertificatePem.trim().split("\n")[1]);
  });
});
