import { join } from "node:path";
import type { IssuedCertificate } from "@edge-pki/api-contract";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { describe, expect } from "vitest";
import { jsonLogger } from "../src/logger.js";
import { it, test } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { call } from "./support/service.js";

const lines: Record<string, unknown>[] = [];

test.override({ serviceOptions: { logger: jsonLogger((line) => lines.push(JSON.parse(line))) } });

/** The service's log lines about readiness and failed requests, without the access log. */
const readinessLog = () =>
  lines
    .filter((line) => line.message !== "request")
    .map(({ level, message, reason }) => ({ level, message, ...(reason === undefined ? {} : { reason }) }));

describe("/readyz tells whether the store can commit, not merely answer", () => {
  it("SQLite: not ready while another process holds the write lock, ready again once it lets go", async ({
    service,
    dataDir,
  }) => {
    expect((await call(`${service.url}/readyz`)).status).toBe(200);
    lines.length = 0;

    // Another process's connection (a backup tool, a second service on the same file) locks the file.
    const other = new BetterSqlite3(join(service.dataDir, "edge-pki.sqlite"));
    other.exec("BEGIN EXCLUSIVE");
    try {
      const locked = await call(`${service.url}/readyz`);
      expect(locked.status).toBe(503);
      expect(locked.headers.get("retry-after")).toBe("5");
      expect(locked.body).toMatchObject({
        code: "unavailable",
        detail: "not ready: store: the database is locked for writing by another process",
      });
      // Liveness is another matter: the process is fine.
      expect((await call(`${service.url}/healthz`)).status).toBe(200);
      // A probe asks every few seconds: the log says so once, not once per probe.
      expect((await call(`${service.url}/readyz`)).status).toBe(503);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect((await call(`${service.url}/readyz`)).status).toBe(200);
    expect((await call(`${service.url}/readyz`)).status).toBe(200);
    expect(readinessLog()).toEqual([
      {
        level: "warn",
        message: "not ready",
        reason: "not ready: store: the database is locked for writing by another process",
      },
      { level: "info", message: "ready again" },
    ]);
    // And the store does commit again.
    const { csrPem } = await opensslCsr(dataDir, "/CN=after-lock");
    const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: csrPem },
    });
    expect(issued.status).toBe(201);
  });

  it("PostgreSQL: not ready while its tables are locked against writes", async ({
    postgres,
    startService,
  }) => {
    const service = await startService({ env: postgres.env });
    expect((await call(`${service.url}/readyz`)).status).toBe(200);

    const other = new pg.Client({ connectionString: postgres.url });
    await other.connect();
    try {
      await other.query("begin");
      await other.query("lock table readiness_probe in exclusive mode");
      const locked = await call(`${service.url}/readyz`);
      expect(locked.status).toBe(503);
      expect(locked.body.detail).toMatch(
        /^not ready: store: the database cannot take writes \(.*lock timeout.*\)$/,
      );
      await other.query("rollback");
    } finally {
      await other.end();
    }
    expect((await call(`${service.url}/readyz`)).status).toBe(200);
  });
});
