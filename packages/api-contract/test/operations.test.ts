import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { expandPath, type OperationDefinition, operations, PROBLEMS, Problem } from "../src/index.js";

const table: [string, OperationDefinition][] = Object.entries(operations);

describe("the operation table", () => {
  it("has one operation per method and path", () => {
    const routes = table.map(([, operation]) => `${operation.method} ${operation.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it("names in each path exactly the parameters its schema validates", () => {
    for (const [operationId, operation] of table) {
      const inPath = [...operation.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]).sort();
      const shape = (operation.params as z.ZodObject | undefined)?.shape ?? {};
      expect({ operationId, params: Object.keys(shape).sort() }).toEqual({ operationId, params: inPath });
    }
  });

  it("documents only statuses that some problem code has, and never its success status", () => {
    const statuses = new Set<number>(Object.values(PROBLEMS).map((problem) => problem.status));
    for (const [operationId, operation] of table) {
      for (const status of Object.keys(operation.problems).map(Number)) {
        expect({ operationId, status, known: statuses.has(status) }).toEqual({
          operationId,
          status,
          known: true,
        });
      }
      expect(operation.problems[operation.success.status]).toBeUndefined();
    }
  });

  it("bodies only for POST, and an Idempotency-Key only where a POST has an effect to repeat", () => {
    for (const [operationId, operation] of table) {
      if (operation.body !== undefined)
        expect({ operationId, method: operation.method }).toMatchObject({ method: "POST" });
      if (operation.idempotent)
        expect({ operationId, method: operation.method }).toMatchObject({ method: "POST" });
    }
  });
});

describe("problem codes", () => {
  it("each has a 4xx or 5xx status and a title, and the Problem schema accepts exactly them", () => {
    for (const [code, { status, title }] of Object.entries(PROBLEMS)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(title.length).toBeGreaterThan(0);
      const problem = { type: `urn:edge-pki:problem:${code}`, title, status, detail: "d", code };
      expect(Problem.safeParse(problem).success).toBe(true);
    }
    const unknown = { type: "t", title: "t", status: 400, detail: "d", code: "no_such_code" };
    expect(Problem.safeParse(unknown).success).toBe(false);
  });
});

describe("expandPath", () => {
  it("percent-encodes values so that none adds a segment or a query", () => {
    expect(expandPath(operations.listDeviceCertificates.path, { deviceId: "line7:0001" })).toBe(
      "/v1/devices/line7%3A0001/certificates",
    );
    expect(expandPath("/v1/devices/{deviceId}/certificates", { deviceId: "a/b?c#d" })).toBe(
      "/v1/devices/a%2Fb%3Fc%23d/certificates",
    );
  });

  it("refuses a missing parameter, and values a URL parser would resolve as segments", () => {
    expect(() => expandPath(operations.getCertificate.path)).toThrow(/needs the parameter serialNumber/);
    for (const value of [".", "..", ""]) {
      expect(() => expandPath(operations.listDeviceCertificates.path, { deviceId: value })).toThrow(
        /cannot be/,
      );
    }
  });
});
