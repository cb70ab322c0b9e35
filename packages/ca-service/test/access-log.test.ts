import { connect } from "node:net";
import { describe, expect } from "vitest";
import { jsonLogger } from "../src/logger.js";
import { it, test } from "./support/fixtures.js";
import { call } from "./support/service.js";

const lines: Record<string, unknown>[] = [];

test.override({ serviceOptions: { logger: jsonLogger((line) => lines.push(JSON.parse(line))) } });

describe("access log", () => {
  it("one line per request: method, path, status, duration and actor; never tokens, queries or bodies", async ({
    service,
  }) => {
    const reader = await service.token(["reader"], { subject: "log-reader" });
    await call(`${service.url}/v1/audit?limit=1`, { token: reader });
    await call(`${service.url}/v1/credentials`, {
      body: { deviceId: "logged-dev", pfxPassword: "secret-pfx" },
    });
    await call(`${service.url}/healthz`);
    const requests = lines.filter((line) => line.message === "request");
    expect(requests).toEqual([
      expect.objectContaining({
        level: "info",
        method: "GET",
        path: "/v1/audit",
        status: 200,
        durationMs: expect.any(Number),
        actor: "token:log-reader",
      }),
      expect.objectContaining({
        method: "POST",
        path: "/v1/credentials",
        status: 401,
        actor: "anonymous@127.0.0.1",
      }),
      expect.objectContaining({ method: "GET", path: "/healthz", status: 200, actor: "anonymous@127.0.0.1" }),
    ]);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(reader);
    expect(text).not.toMatch(/secret-pfx|limit=1/);
  });
});

describe("a client that goes away mid-upload", () => {
  it("is logged at info level as aborted, never as an error of ours", async ({ service }) => {
    const before = lines.length;
    const { hostname, port } = new URL(service.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /v1/credentials HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${service.adminToken}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"deviceId":',
        );
        // Half a body, then gone.
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    await expect
      .poll(() => lines.slice(before).filter((line) => line.message === "request"))
      .toEqual([
        expect.objectContaining({
          level: "info",
          method: "POST",
          path: "/v1/credentials",
          aborted: true,
          actor: "token:local-admin",
        }),
      ]);
    expect(lines.slice(before).filter((line) => line.level === "error")).toEqual([]);
    expect(JSON.stringify(lines.slice(before))).not.toContain(service.adminToken);
  });
});
