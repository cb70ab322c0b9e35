import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import { type AddressInfo, connect, createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ApiToken, BootstrapToken, IssuedCertificate, IssuedCredentials } from "@edge-pki/api-contract";
import { decodeJwt } from "jose";
import { describe, expect, onTestFinished } from "vitest";
import { openPostgresStore, openSqliteStore } from "../src/adapters/store/open-store.js";
import type { CertificateStore } from "../src/ports/certificate-store.js";
import { CLI, runCli } from "./support/cli.js";
import {
  type CliService,
  eventually,
  isRunning,
  recordedSerials,
  startCliService,
  workersThatAnswered,
} from "./support/cli-service.js";
import { test } from "./support/fixtures.js";
import { scrape } from "./support/metrics.js";
import { opensslCsr, type TempDir } from "./support/openssl.js";
import { type Answer, call } from "./support/service.js";

/**
 * `EDGE_PKI_WORKERS`: the real CLI, started as an operator starts it, with two workers (and one),
 * driven over HTTP on 127.0.0.1 and read back from its store and its log. Requests sent at once go
 * over connections of their own, which the primary hands to the workers in turn, so both workers
 * answer; the tests check that they did, from the log, before trusting a result as "across workers".
 */
const it = test
  // One two-worker service on SQLite for the file; tests that stop or break a service start their own.
  .extend("workers", { scope: "file" }, async ({ dataDir }, { onCleanup }) => {
    const service = await startCliService({ dataDir: join(dataDir.path, "two-workers"), workers: 2 });
    onCleanup(async () => {
      await service.stop();
    });
    return service;
  });

/** The store the service writes to, opened beside it to read back what it recorded. */
async function withSqliteStore<T>(service: CliService, read: (store: CertificateStore) => Promise<T>) {
  const store = await openSqliteStore(join(service.dataDir, "edge-pki.sqlite"));
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs `round` (requests sent at once, each checked by the round) until both workers have answered
 * requests to `path` since the first: the primary hands each new connection to a worker that is
 * free, so one burst may land on one worker alone. At most five rounds.
 */
async function onBothWorkers(
  service: CliService,
  path: string,
  status: number | undefined,
  round: () => Promise<void>,
) {
  const before = service.log().length;
  const answeredBy = () => workersThatAnswered(service.log().slice(before), path, status);
  for (let attempt = 0; attempt < 5 && answeredBy().size < 2; attempt++) await round();
  expect(answeredBy()).toEqual(new Set([1, 2]));
}

/** `count` credentials issued at once, for devices `<prefix>-<i>`. */
function issueAtOnce(service: CliService, prefix: string, count: number) {
  const deviceIds = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const answers = Promise.all(
    deviceIds.map((deviceId) =>
      call<IssuedCredentials>(`${service.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId },
      }),
    ),
  );
  return { deviceIds, answers };
}

/** Every answer 201, every serial distinct, and each one on record. */
async function expectAllIssuedAndRecorded(
  store: CertificateStore,
  deviceIds: string[],
  answers: Answer<IssuedCredentials>[],
) {
  expect(answers.map((answer) => answer.status)).toEqual(deviceIds.map(() => 201));
  const serials = answers.map((answer) => answer.body.serialNumber);
  expect(new Set(serials).size, "serial numbers are unique across workers").toBe(serials.length);
  expect((await recordedSerials(store, deviceIds)).sort(), "every answered certificate is committed").toEqual(
    [...serials].sort(),
  );
}

/** Mints a bootstrap token and redeems it `times` times at once; returns the answers. */
async function raceBootstrapToken(service: CliService, dir: TempDir, deviceId: string, times: number) {
  const minted = await call<BootstrapToken>(`${service.url}/v1/bootstrap-tokens`, {
    token: service.adminToken,
    body: { deviceId },
  });
  expect(minted.status).toBe(201);
  const { csrPem } = await opensslCsr(dir, `/CN=${deviceId}`);
  return Promise.all(
    Array.from({ length: times }, () =>
      call<IssuedCertificate>(`${service.url}/v1/certificates`, {
        token: minted.body.token,
        body: { csr: csrPem },
      }),
    ),
  );
}

/** Waits, up to a bound, until nothing listens on `port` any more. */
async function refusesConnections(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(port, "127.0.0.1");
      probe.once("connect", () => {
        probe.destroy();
        resolve(false);
      });
      probe.once("error", () => resolve(true));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`port ${port} still accepts connections`);
}

/**
 * A POST sent in two steps: its headers with `Expect: 100-continue` now (`continued` settles when
 * the server has read them and begun the request), its body on `send()`.
 */
function beginRequest(url: string, token: string, body: unknown) {
  const payload = JSON.stringify(body);
  const request = httpRequest(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "content-length": Buffer.byteLength(payload),
      expect: "100-continue",
    },
  });
  const continued = once(request, "continue");
  const answer = new Promise<{
    status: number | undefined;
    serialNumber: string;
    connection: string | undefined;
  }>((resolve, reject) => {
    request.on("error", reject);
    request.on("response", (response) => {
      let text = "";
      response.on("data", (chunk) => {
        text += chunk;
      });
      response.on("end", () =>
        resolve({
          status: response.statusCode,
          serialNumber: (JSON.parse(text) as IssuedCertificate).serialNumber,
          connection: response.headers.connection,
        }),
      );
    });
  });
  request.flushHeaders();
  return { continued, answer, send: () => request.end(payload) };
}

describe("EDGE_PKI_WORKERS=2 on SQLite", () => {
  it("issues concurrently on both workers: serials unique, every certificate committed", async ({
    workers,
  }) => {
    await onBothWorkers(workers, "/v1/credentials", 201, async () => {
      const { deviceIds, answers } = issueAtOnce(workers, `wk-${randomUUID().slice(0, 8)}`, 40);
      const answered = await answers;
      await withSqliteStore(workers, (store) => expectAllIssuedAndRecorded(store, deviceIds, answered));
    });
  });

  it("/metrics counts the whole service, one series per worker, whichever worker answers the scrape", async ({
    workers,
  }) => {
    const issued = () => scrape(workers.url, workers.adminToken);
    const key = { profile: "device", outcome: "issued" };
    const first = await issued();
    const before = first.sum("edge_pki_issuances_total", key);
    // Each worker's series carries its number, as its log lines do; none is summed away.
    const issuances = first.samples.filter((sample) => sample.name === "edge_pki_issuances_total");
    expect(new Set(issuances.map((sample) => sample.labels.worker))).toEqual(new Set(["1", "2"]));
    const { answers } = issueAtOnce(workers, `mx-${randomUUID().slice(0, 8)}`, 20);
    expect((await answers).every((answer) => answer.status === 201)).toBe(true);
    // Scrapes at once, in rounds (bounded), until each worker has answered at least one.
    const from = workers.log().length;
    const counts: number[] = [];
    for (let round = 0; round < 20; round++) {
      const scrapes = await Promise.all(Array.from({ length: 4 }, issued));
      counts.push(...scrapes.map((scraped) => scraped.sum("edge_pki_issuances_total", key)));
      if (workersThatAnswered(workers.log().slice(from), "/metrics", 200).size === 2) break;
    }
    expect(workersThatAnswered(workers.log().slice(from), "/metrics", 200)).toEqual(new Set([1, 2]));
    expect(counts).toEqual(counts.map(() => before + 20));
  });

  it("a bootstrap token raced across workers is redeemed once", async ({ workers, dataDir }) => {
    await onBothWorkers(workers, "/v1/certificates", undefined, async () => {
      const deviceId = `wk-boot-${randomUUID().slice(0, 8)}`;
      const answers = await raceBootstrapToken(workers, dataDir, deviceId, 16);
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([201, ...Array(15).fill(401)]);
      for (const refused of answers.filter((answer) => answer.status === 401)) {
        expect(refused.problem.detail).toBe("token already used");
      }
      await withSqliteStore(workers, async (store) => {
        expect(await store.listByDevice(deviceId, { limit: 100 })).toHaveLength(1);
      });
    });
  });

  it("an idempotency key sent to both workers at once issues one certificate", async ({
    workers,
    dataDir,
  }) => {
    await onBothWorkers(workers, "/v1/certificates", undefined, async () => {
      const deviceId = `wk-idem-${randomUUID().slice(0, 8)}`;
      const { csrPem } = await opensslCsr(dataDir, `/CN=${deviceId}`);
      const key = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          call<IssuedCertificate>(`${workers.url}/v1/certificates`, {
            token: workers.adminToken,
            body: { csr: csrPem },
            headers: { "idempotency-key": key },
          }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
      expect(new Set(answers.map((answer) => answer.body.serialNumber)).size).toBe(1);
      await withSqliteStore(workers, async (store) => {
        expect(await store.listByDevice(deviceId, { limit: 100 })).toHaveLength(1);
      });
    });
  });

  it("a token revoked on one worker is refused by every worker as soon as the revocation is answered", async ({
    workers,
  }) => {
    const minted = await runCli(["token", "create", "--role", "reader", "--subject", `wk-${randomUUID()}`], {
      EDGE_PKI_DATA_DIR: workers.dataDir,
      EDGE_PKI_KEY_PASSPHRASE: "workers test passphrase",
    });
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    // Both workers have read the revocation list (and so keep it for two seconds): a worker that
    // relied on its next read would still accept the token.
    const warm = await Promise.all(
      Array.from({ length: 12 }, () => call(`${workers.url}/v1/audit?limit=1`, { token })),
    );
    expect(warm.map((answer) => answer.status)).toEqual(warm.map(() => 200));
    const revoked = await call<ApiToken>(`${workers.url}/v1/tokens/${decodeJwt(token).jti}/revoke`, {
      method: "POST",
      token: workers.adminToken,
    });
    expect(revoked.status).toBe(200);
    await onBothWorkers(workers, "/v1/audit", 401, async () => {
      const after = await Promise.all(
        Array.from({ length: 12 }, () => call(`${workers.url}/v1/audit?limit=1`, { token })),
      );
      expect(after.map((answer) => answer.status)).toEqual(after.map(() => 401));
    });
  });

  it("a killed worker is replaced, and the service goes on issuing; no series of /metrics goes back", async ({
    workers,
  }) => {
    const pids = workers.workerPids();
    expect(pids.size).toBe(2);
    const victim = pids.get(1) as number;
    const issued = { profile: "device", outcome: "issued" };
    const before = await scrape(workers.url, workers.adminToken);
    process.kill(victim, "SIGKILL");
    const replaced = await eventually(() => {
      const now = [...workers.workerPids().values()];
      return now.length === 2 && !now.includes(victim);
    });
    expect(replaced, "a worker serves in place of the killed one").toBe(true);
    expect(workers.log().some((line) => line.message === "a worker exited; starting a replacement")).toBe(
      true,
    );
    const { deviceIds, answers } = issueAtOnce(workers, `wk-after-${randomUUID().slice(0, 8)}`, 10);
    const answered = await answers;
    await withSqliteStore(workers, (store) => expectAllIssuedAndRecorded(store, deviceIds, answered));

    // The survivor's series go on from where they were; the killed worker's series is gone, and its
    // replacement has one of its own from 0: what Prometheus reads as one series ending and another
    // starting, not as the service's count dropping.
    const after = await scrape(workers.url, workers.adminToken);
    const series = (scraped: typeof after) =>
      new Map(
        scraped.samples
          .filter(
            (sample) => sample.name === "edge_pki_issuances_total" && sample.labels.profile === "device",
          )
          .filter((sample) => sample.labels.outcome === "issued")
          .map((sample) => [sample.labels.worker, sample.value]),
      );
    const [was, now] = [series(before), series(after)];
    expect(was.size).toBe(2);
    expect([...now.keys()]).not.toContain("1");
    expect(now.get("2")).toBeGreaterThanOrEqual(was.get("2") as number);
    const replacement = [...now.keys()].find((worker) => worker !== "2") as string;
    expect(Number(replacement)).toBeGreaterThan(2);
    expect(now.get(replacement)).toBeLessThanOrEqual(10);
    expect(after.sum("edge_pki_issuances_total", issued) - (now.get("2") as number)).toBe(
      now.get(replacement),
    );
  });
});

describe("stopping and failing", () => {
  it("SIGTERM drains every worker: requests under way are answered and committed, then all exit 0", async ({
    dataDir,
  }) => {
    const service = await startCliService({ dataDir: join(dataDir.path, "drain"), workers: 2 });
    onTestFinished(async () => {
      if (service.child.exitCode === null) await service.stop();
    });
    const pids = [...service.workerPids().values()];
    // Requests a worker has surely begun: it answered `100 Continue` to their headers and waits for
    // their bodies, which are sent only after the signal. A worker that stopped without draining
    // would leave them unanswered.
    const begun = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const { csrPem } = await opensslCsr(dataDir, `/CN=drain-begun-${i}`);
        return beginRequest(`${service.url}/v1/certificates`, service.adminToken, { csr: csrPem });
      }),
    );
    await Promise.all(begun.map((request) => request.continued));
    // And a burst at the same moment: some under way when the signal comes, some refused at the door.
    const burstIds = Array.from({ length: 20 }, (_, i) => `drain-burst-${i}`);
    const burst = burstIds.map((deviceId) =>
      call<IssuedCredentials>(`${service.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId },
      }).then(
        (answer) => ({ status: answer.status, serial: answer.body.serialNumber }),
        () => ({ status: undefined, serial: undefined }),
      ),
    );
    const exited = new Promise<number | null>((resolve) => service.child.once("close", resolve));
    service.child.kill("SIGTERM");
    // The bodies go once every worker drains (the port refuses new connections): an answer sent
    // before a worker got its signal would rightly say keep-alive.
    await refusesConnections(Number(new URL(service.url).port));
    for (const request of begun) request.send();
    const begunAnswers = await Promise.all(begun.map((request) => request.answer));
    const burstOutcomes = await Promise.all(burst);
    expect(await exited).toBe(0);
    expect(pids.filter(isRunning), "every worker has exited").toEqual([]);
    expect(
      begunAnswers.map((answer) => answer.status),
      "every request under way was answered",
    ).toEqual(begun.map(() => 201));
    // And told not to send another on that connection, which is about to close.
    expect(begunAnswers.map((answer) => answer.connection)).toEqual(begun.map(() => "close"));
    expect(workersThatAnswered(service.log(), "/v1/certificates", 201), "both workers drained").toEqual(
      new Set([1, 2]),
    );
    // Answered: 201 and on record. Not answered: refused at the door, and nothing on record.
    expect(burstOutcomes.filter((outcome) => outcome.status !== undefined && outcome.status !== 201)).toEqual(
      [],
    );
    const answered = [
      ...begunAnswers.map((answer) => answer.serialNumber),
      ...burstOutcomes.filter((outcome) => outcome.status === 201).map((outcome) => outcome.serial),
    ];
    const deviceIds = [...begun.map((_, i) => `drain-begun-${i}`), ...burstIds];
    await withSqliteStore(service, async (store) => {
      expect(
        (await recordedSerials(store, deviceIds)).sort(),
        "what was committed is exactly what was answered: nothing was cut off mid-request",
      ).toEqual(answered.sort());
    });
  });

  it.for([1, 2])(
    "a client that stops sending its body holds a stop up for EDGE_PKI_DRAIN_SECONDS at most (%i workers)",
    async (workers, { dataDir }) => {
      const service = await startCliService({
        dataDir: join(dataDir.path, `drain-deadline-${workers}`),
        workers,
        env: { EDGE_PKI_DRAIN_SECONDS: "2" },
      });
      onTestFinished(async () => {
        if (service.child.exitCode === null) await service.stop();
      });
      // Kept alive longer than the proxies in front keep theirs (nginx: 60 s).
      const probe = await call(`${service.url}/healthz`);
      expect(probe.headers.get("keep-alive")).toBe("timeout=65");

      // Headers, then the start of a body once the worker has begun the request (100 Continue),
      // then nothing: a stalled or malicious client.
      const stalled = connect(Number(new URL(service.url).port), "127.0.0.1");
      stalled.on("error", () => {});
      const cut = once(stalled, "close");
      await once(stalled, "connect");
      stalled.write(
        `POST /v1/certificates HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${service.adminToken}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\nexpect: 100-continue\r\n\r\n`,
      );
      const [interim] = (await once(stalled, "data")) as [Buffer];
      expect(interim.toString()).toMatch(/^HTTP\/1\.1 100 Continue/);
      stalled.write('{"csr":');
      // "close", not "exit": the drain lines below must all have been read.
      const exited = once(service.child, "close");
      const signalled = Date.now();
      service.child.kill("SIGTERM");
      const [code] = await exited;
      expect(code).toBe(0);
      // Cut at the deadline (2 s), not when the client goes away or the 60-s request timeout.
      expect(Date.now() - signalled).toBeLessThan(15_000);
      await cut;
      // The log explains the wait: the worker that held the request waited for it, then cut it.
      const drainLines = service
        .log()
        .filter((line) => /^drain/.test(line.message ?? ""))
        .map(({ message, level, listener, requestsUnderWay, drainSeconds }) => ({
          message,
          level,
          listener,
          requestsUnderWay,
          drainSeconds,
        }));
      expect(drainLines).toEqual([
        {
          message: "draining: waiting for the requests under way",
          level: "info",
          listener: "api",
          requestsUnderWay: 1,
          drainSeconds: 2,
        },
        {
          message: "drain deadline passed: cutting the connections of requests still under way",
          level: "warn",
          listener: "api",
          requestsUnderWay: 1,
          drainSeconds: 2,
        },
      ]);
    },
  );

  it.for([1, 2])(
    "SIGTERM while the service is still starting ends it at once, as PID 1 in a container too (%i workers)",
    async (workers, { dataDir }) => {
      const child = spawn(process.execPath, [CLI, "start"], {
        env: {
          ...process.env,
          EDGE_PKI_DATA_DIR: join(dataDir.path, `early-stop-${workers}`),
          EDGE_PKI_PORT: "0",
          EDGE_PKI_KEY_PASSPHRASE: "workers test passphrase",
          EDGE_PKI_WORKERS: String(workers),
        },
      });
      onTestFinished(() => {
        child.kill("SIGKILL");
      });
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      // Its first log line comes once it has made the CA, before it listens.
      for (let i = 0; i < 300 && !stderr.includes("created CA material"); i++) await sleep(20);
      expect(stderr).toContain("created CA material");
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      // The status a default action would give (128 + 15), from the service's own handler: a
      // process without one (as PID 1 would ignore the signal) ends by the signal itself.
      expect(await exited).toEqual([143, null]);
    },
  );

  it("a worker that does not answer fails a scrape with 503, not a partial count", async ({ dataDir }) => {
    // The primary's own check is off: it would replace the stopped worker (the next test).
    const service = await startCliService({
      dataDir: join(dataDir.path, "hung-worker"),
      workers: 2,
      env: { EDGE_PKI_WORKER_UNRESPONSIVE_SECONDS: "0" },
    });
    const hung = service.workerPids().get(1) as number;
    onTestFinished(async () => {
      process.kill(hung, "SIGCONT");
      await service.stop();
    });
    process.kill(hung, "SIGSTOP");
    // The primary hands each new connection to the next worker: one that reaches the other worker
    // gets the answer, after the gathering's 5 s. Bounded: a few connections, each given 8 s.
    let answered: Response | undefined;
    for (let attempt = 0; attempt < 6 && answered === undefined; attempt++) {
      answered = await fetch(`${service.url}/metrics`, {
        headers: { authorization: `Bearer ${service.adminToken}`, connection: "close" },
        signal: AbortSignal.timeout(8_000),
      }).catch(() => undefined);
    }
    expect(answered?.status).toBe(503);
    expect(answered?.headers.get("retry-after")).toBeDefined();
    expect(await answered?.json()).toMatchObject({
      code: "unavailable",
      detail: "the metrics of every worker could not be gathered; try again",
    });
  }, 90_000);

  it("a worker that stops answering the primary is killed and replaced, and the service serves on", async ({
    dataDir,
  }) => {
    const service = await startCliService({
      dataDir: join(dataDir.path, "unresponsive-worker"),
      workers: 2,
      env: { EDGE_PKI_WORKER_UNRESPONSIVE_SECONDS: "2" },
    });
    const stopped = service.workerPids().get(1) as number;
    onTestFinished(async () => {
      if (isRunning(stopped)) process.kill(stopped, "SIGKILL");
      await service.stop();
    });
    // SIGSTOP: its event loop stops turning, as in an endless loop, without the process exiting.
    process.kill(stopped, "SIGSTOP");
    const killedLine = () =>
      service
        .log()
        .find((line) => /^a worker did not answer for \d+ s; killing it$/.test(line.message ?? ""));
    expect(
      await eventually(() => killedLine() !== undefined),
      "the primary said why it killed the worker",
    ).toBe(true);
    expect(killedLine()).toMatchObject({ level: "error", worker: 1, pid: stopped });
    expect(
      await eventually(() => !isRunning(stopped) && service.workerPids().size === 2),
      "the stopped worker is gone and a replacement serves",
    ).toBe(true);
    expect([...service.workerPids().values()]).not.toContain(stopped);
    // Every request is answered (a connection handed to the stopped worker would have hung).
    const { deviceIds, answers } = issueAtOnce(service, "after-hang", 8);
    const answered = await answers;
    await withSqliteStore(service, (store) => expectAllIssuedAndRecorded(store, deviceIds, answered));
  }, 90_000);

  it("EDGE_PKI_WORKERS=1 serves in one process, and stops on SIGTERM", async ({ dataDir }) => {
    const service = await startCliService({ dataDir: join(dataDir.path, "one-worker"), workers: 1 });
    try {
      const { deviceIds, answers } = issueAtOnce(service, "one", 12);
      const answered = await answers;
      await withSqliteStore(service, (store) => expectAllIssuedAndRecorded(store, deviceIds, answered));
      // An access-log line is written once its answer is sent and reaches us through a pipe, so
      // it may come after the answer: wait for all twelve, bounded.
      const requestLines = () => service.log().filter((line) => line.message === "request");
      expect(await eventually(() => requestLines().length >= deviceIds.length)).toBe(true);
      const requests = requestLines();
      expect(requests.every((line) => line.worker === undefined)).toBe(true);
      expect(service.workerPids().size).toBe(0);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });

  it("workers that keep dying stop the service with status 1 instead of restarting forever", async ({
    dataDir,
  }) => {
    const service = await startCliService({ dataDir: join(dataDir.path, "crash-loop"), workers: 2 });
    onTestFinished(async () => {
      if (service.child.exitCode === null) await service.stop();
    });
    const exited = new Promise<number | null>((resolve) => service.child.once("close", resolve));
    // Five replacements are allowed within a minute; the sixth death ends the service.
    for (let death = 1; death <= 6; death++) {
      const victim = service.workerPids().get(1) ?? [...service.workerPids().values()][0];
      if (victim === undefined) throw new Error("no worker to kill");
      process.kill(victim, "SIGKILL");
      if (death === 6) break;
      expect(
        await eventually(() => {
          const serving = [...service.workerPids().values()];
          return serving.length === 2 && !serving.includes(victim);
        }),
        `replacement ${death} serves`,
      ).toBe(true);
    }
    expect(await exited).toBe(1);
    expect(
      service.log().some((line) => String(line.message).startsWith("workers exited more than 5 times")),
    ).toBe(true);
    expect([...service.workerPids().values()].filter(isRunning)).toEqual([]);
  });
});

describe("starting and losing the primary", () => {
  it.for([1, 2])(
    "a port that is taken ends the start with status 1 and one line naming the settings (%i workers)",
    async (workers, { dataDir }) => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
      const port = (taken.address() as AddressInfo).port;
      // The CA is made on a first start; the second one fails only at the port, as a restart would.
      const folder = join(dataDir.path, `port-taken-${workers}`);
      const env = { EDGE_PKI_DATA_DIR: folder, EDGE_PKI_KEY_PASSPHRASE: "workers test passphrase" };
      expect((await runCli(["init"], env)).code).toBe(0);
      // runCli returns when the process and everything holding its output are gone: the workers too.
      const started = await runCli(["serve"], {
        ...env,
        EDGE_PKI_PORT: String(port),
        EDGE_PKI_WORKERS: String(workers),
      });
      expect(started).toMatchObject({
        code: 1,
        stdout: "",
        stderr: `edge-pki-ca: cannot listen on 127.0.0.1:${port} (EDGE_PKI_HOST, EDGE_PKI_PORT): the address is already in use\n`,
      });
    },
  );

  it("workers stop when their primary is killed, instead of holding the store", async ({ dataDir }) => {
    const service = await startCliService({ dataDir: join(dataDir.path, "orphans"), workers: 2 });
    const pids = [...service.workerPids().values()];
    expect(pids).toHaveLength(2);
    service.child.kill("SIGKILL");
    expect(await eventually(() => !pids.some(isRunning)), "every worker has exited").toBe(true);
  });
});

describe("EDGE_PKI_WORKERS=2 on PostgreSQL", () => {
  it("`serve` on two workers: concurrent issuances all committed, a bootstrap token redeemed once", async ({
    dataDir,
    postgres,
  }) => {
    const folder = join(dataDir.path, "postgres");
    const init = await runCli(["init"], {
      EDGE_PKI_DATA_DIR: folder,
      EDGE_PKI_KEY_PASSPHRASE: "workers test passphrase",
      ...postgres.env,
    });
    expect(init.code).toBe(0);
    const service = await startCliService({
      dataDir: folder,
      workers: 2,
      env: postgres.env,
      command: "serve",
    });
    const store = await openPostgresStore(postgres.url);
    try {
      await onBothWorkers(service, "/v1/credentials", 201, async () => {
        const { deviceIds, answers } = issueAtOnce(service, `pg-wk-${randomUUID().slice(0, 8)}`, 40);
        await expectAllIssuedAndRecorded(store, deviceIds, await answers);
      });
      const redeemed = await raceBootstrapToken(service, dataDir, "pg-wk-boot", 16);
      expect(redeemed.map((answer) => answer.status).sort()).toEqual([201, ...Array(15).fill(401)]);
      expect(await store.listByDevice("pg-wk-boot", { limit: 100 })).toHaveLength(1);
    } finally {
      await store.close();
      expect(await service.stop()).toBe(0);
    }
  });
});
