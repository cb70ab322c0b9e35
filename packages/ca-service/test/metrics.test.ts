import { randomUUID } from "node:crypto";
import type { IssuedCertificate, IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { pinnedClock } from "./support/clock.js";
import { countRows } from "./support/database.js";
import { it } from "./support/fixtures.js";
import { fetchMetrics, type Scrape, scrape } from "./support/metrics.js";
import { opensslCsr } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

const ISSUED = "edge_pki_issuances_total";
const REQUESTS = "edge_pki_http_request_duration_seconds";
const COMMITS = "edge_pki_store_commit_duration_seconds";
const RATE_LIMITED = "edge_pki_rate_limited_total";

/** How much each of `names` (with its labels) moved between two scrapes. */
const moved = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) =>
  after.value(name, labels) - before.value(name, labels);

const issueCredentials = (service: TestService, deviceId: string, idempotencyKey = randomUUID()) =>
  call<IssuedCredentials>(`${service.url}/v1/credentials`, {
    token: service.adminToken,
    headers: { "idempotency-key": idempotencyKey },
    body: { deviceId },
  });

describe("GET /metrics", () => {
  it("is served to admin and reader tokens only, in the Prometheus text format", async ({ service }) => {
    expect((await fetchMetrics(service.url)).status).toBe(401);
    const issuer = await service.token(["issuer"]);
    const refused = await fetchMetrics(service.url, issuer);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const reader = await scrape(service.url, await service.token(["reader"]));
    const admin = await scrape(service.url, service.adminToken);
    for (const metrics of [reader, admin]) {
      expect(metrics.types.get(ISSUED)).toBe("counter");
      expect(metrics.types.get(REQUESTS)).toBe("histogram");
      expect(metrics.types.get(COMMITS)).toBe("histogram");
      expect(metrics.types.get(RATE_LIMITED)).toBe("counter");
      // Node's own, for CPU time per certificate.
      expect(metrics.types.get("process_cpu_seconds_total")).toBe("counter");
    }
    // A scrape is itself a request, counted once answered: the reader's shows before the admin's.
    expect(admin.value(`${REQUESTS}_count`, { operation: "getMetrics", status: "200" })).toBeGreaterThan(
      reader.value(`${REQUESTS}_count`, { operation: "getMetrics", status: "200" }),
    );
  });

  it("issuances move the counters by exactly what was committed: a replay and a refusal issue nothing", async ({
    service,
    dataDir,
  }) => {
    const before = await scrape(service.url, service.adminToken);
    const rowsBefore = countRows(service.dataDir, "certificates");
    for (const index of [1, 2, 3])
      expect((await issueCredentials(service, `metrics-${index}`)).status).toBe(201);
    const { csrPem } = await opensslCsr(dataDir, "/CN=metrics-csr");
    const fromCsr = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: csrPem },
    });
    expect(fromCsr.status).toBe(201);
    // A retry with the first request's key answers what was issued then: no new certificate.
    const key = randomUUID();
    expect((await issueCredentials(service, "metrics-replayed", key)).status).toBe(201);
    expect((await issueCredentials(service, "metrics-replayed", key)).status).toBe(409);
    expect((await issueCredentials(service, "bad device id!")).status).toBe(400);
    const after = await scrape(service.url, service.adminToken);

    expect(countRows(service.dataDir, "certificates") - rowsBefore).toBe(5);
    expect(moved(before, after, ISSUED, { profile: "device", outcome: "issued" })).toBe(5);
    expect(moved(before, after, ISSUED, { profile: "device", outcome: "failed" })).toBe(0);
    const requests = (operation: string, status: string) =>
      moved(before, after, `${REQUESTS}_count`, { operation, status });
    expect(requests("issueCredentials", "201")).toBe(4);
    expect(requests("issueCredentials", "409")).toBe(1);
    expect(requests("issueCredentials", "400")).toBe(1);
    expect(requests("issueCertificate", "201")).toBe(1);
    expect(
      moved(before, after, `${COMMITS}_count`, { operation: "recordIssuance", outcome: "committed" }),
    ).toBe(5);
    // A histogram's +Inf bucket holds every observation, and its sum is some time.
    const labels = { operation: "issueCredentials", status: "201" };
    expect(after.value(`${REQUESTS}_bucket`, { ...labels, le: "+Inf" })).toBe(
      after.value(`${REQUESTS}_count`, labels),
    );
    expect(moved(before, after, `${REQUESTS}_sum`, labels)).toBeGreaterThan(0);
  });

  it("counts rate-limit refusals by the budget they were over", async ({ startService }) => {
    const service = await startService({
      clock: pinnedClock(new Date("2030-01-01T00:00:00Z")),
      env: {
        EDGE_PKI_DEVICE_RATE_LIMIT_PER_MINUTE: "1",
        EDGE_PKI_PUBLIC_RATE_LIMIT_PER_MINUTE: "2",
        EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "1",
      },
    });
    const capped = await service.token(["reader"], { rateLimitPerMinute: 2 });
    const before = await scrape(service.url, service.adminToken);
    for (let i = 0; i < 5; i++) await call(`${service.url}/v1/audit?limit=1`, { token: capped });
    for (let i = 0; i < 4; i++) await call(`${service.url}/v1/ca`);
    for (let i = 0; i < 3; i++) await call(`${service.url}/v1/audit?limit=1`, { token: "guess" });
    const after = await scrape(service.url, service.adminToken);
    expect(moved(before, after, RATE_LIMITED, { budget: "caller" })).toBe(3);
    expect(moved(before, after, RATE_LIMITED, { budget: "public" })).toBe(2);
    expect(moved(before, after, RATE_LIMITED, { budget: "auth-failures" })).toBe(2);
    expect(moved(before, after, RATE_LIMITED, { budget: "device" })).toBe(0);
    expect(moved(before, after, `${REQUESTS}_count`, { operation: "listAudit", status: "429" })).toBe(5);
  });
});
