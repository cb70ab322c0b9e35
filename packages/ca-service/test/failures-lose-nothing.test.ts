import type { IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { IssuingCaSource } from "../src/app/issuing-ca-source.js";
import type { ServiceContext } from "../src/app/service-context.js";
import { loadConfig } from "../src/config/config.js";
import { silentLogger } from "../src/logger.js";
import type { CertificateStore } from "../src/ports/certificate-store.js";
import { type RunningServer, startServer } from "../src/server.js";
import { countRows } from "./support/database.js";
import { it } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

/** Serves the service's CA and store again, with one adapter swapped for a failing one. */
async function serveWith(service: TestService, context: ServiceContext): Promise<RunningServer> {
  return startServer(
    context,
    loadConfig({ EDGE_PKI_PORT: "0", EDGE_PKI_DATA_DIR: service.dataDir }),
    silentLogger,
  );
}

/** The real store, except that commits fail (and closing is left to the service that owns it). */
function storeFailingToRecord(store: CertificateStore): CertificateStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === "recordIssuance") {
        return async () => {
          throw new Error("SQLITE_FULL: database or disk is full");
        };
      }
      if (property === "close") return async () => {};
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("when signing or recording fails, nothing leaves the CA", () => {
  it("a store that cannot commit: 503 with Retry-After, no certificate in the response", async ({
    service,
    dataDir,
  }) => {
    const server = await serveWith(service, {
      ...service.context,
      store: storeFailingToRecord(service.context.store),
    });
    try {
      const before = countRows(service.dataDir, "certificates");
      const { csrPem } = await opensslCsr(dataDir, "/CN=unrecorded");
      for (const [path, body] of [
        ["/v1/certificates", { csr: csrPem }],
        ["/v1/credentials", { deviceId: "unrecorded" }],
      ] as const) {
        const response = await call(`${server.url}${path}`, { token: service.adminToken, body });
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toBe("5");
        expect(response.body).toMatchObject({
          code: "unavailable",
          detail: expect.stringMatching(/not issued/),
        });
        expect(response.text).not.toMatch(/BEGIN (CERTIFICATE|PRIVATE KEY)|SQLITE_FULL/);
      }
      expect(countRows(service.dataDir, "certificates")).toBe(before);
    } finally {
      await server.close();
    }
  });

  it("a CA key that cannot sign: 503, nothing stored", async ({ service }) => {
    const ca = await service.context.issuingCa.current();
    const signer = { ...ca.signer, sign: async () => Promise.reject(new Error("HSM offline")) };
    const issuingCa = new IssuingCaSource(service.context, { ...ca, signer });
    const server = await serveWith(service, { ...service.context, issuingCa });
    try {
      const before = countRows(service.dataDir, "certificates");
      const response = await call(`${server.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId: "unsigned" },
      });
      expect(response.status).toBe(503);
      expect(response.body.code).toBe("unavailable");
      expect(response.text).not.toContain("HSM offline");
      expect(countRows(service.dataDir, "certificates")).toBe(before);
    } finally {
      await server.close();
    }
  });

  it("a store that fails under any operation: 503 with Retry-After, never 500", async ({
    startService,
    dataDir,
  }) => {
    const target = await startService();
    const reader = await target.token(["reader"]);
    const { csrPem } = await opensslCsr(dataDir, "/CN=store-gone");
    const issued = await call<IssuedCredentials>(`${target.url}/v1/credentials`, {
      token: target.adminToken,
      body: { deviceId: "store-gone" },
    });
    // The database goes away under the running service.
    await target.context.store.close();
    for (const [path, body, token] of [
      ["/v1/bootstrap-tokens", { deviceId: "store-gone" }, target.adminToken],
      ["/v1/certificates", { csr: csrPem }, target.adminToken],
      [`/v1/certificates/${issued.body.serialNumber}/revoke`, { reason: "superseded" }, target.adminToken],
      ["/v1/audit", undefined, reader],
      [`/v1/certificates/${issued.body.serialNumber}`, undefined, reader],
    ] as const) {
      const response = await call(`${target.url}${path}`, { token, ...(body && { body }) });
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(response.headers.get("retry-after")).toBe("5");
      expect(response.body.code).toBe("unavailable");
      expect(response.text).not.toMatch(/eyJ|destroyed|driver/);
    }
  });

  it("readiness fails when the store cannot be used", async ({ service }) => {
    const broken = {
      ...storeFailingToRecord(service.context.store),
      check: () => Promise.reject(new Error("gone")),
    };
    const server = await serveWith(service, { ...service.context, store: broken });
    try {
      const response = await call(`${server.url}/readyz`);
      expect(response.status).toBe(503);
      expect(response.body.detail).toBe("not ready: store unusable");
      expect((await call(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
