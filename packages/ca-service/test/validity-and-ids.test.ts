import { describe, expect, it } from "vitest";
import { assertValidDeviceId } from "../src/core/device-id.js";
import { CaError } from "../src/core/errors.js";
import { randomSerialNumber } from "../src/core/serial-number.js";
import { computeValidity, LATEST_NOT_AFTER } from "../src/core/validity.js";

const now = new Date("2026-11-28T12:00:00.500Z");
const DAY = 86_400_000;

describe("computeValidity", () => {
  const base = { now, policyMaxDays: 365, issuerNotAfter: new Date("2036-01-01T00:00:00Z") };

  it("backdates notBefore by five minutes and truncates notAfter to whole seconds", () => {
    const validity = computeValidity({ ...base, requestedDays: 30 });
    expect(validity.notBefore.toISOString()).toBe("2026-11-28T11:55:00.000Z");
    expect(validity.notAfter.toISOString()).toBe("2026-12-28T12:00:00.000Z");
    expect(validity.cappedBy).toBeUndefined();
  });

  it("defaults to the policy maximum without calling it a cut", () => {
    const validity = computeValidity(base);
    expect(validity.notAfter.getTime()).toBe(Math.floor((now.getTime() + 365 * DAY) / 1000) * 1000);
    expect(validity.cappedBy).toBeUndefined();
  });

  it("cuts at the earliest limit and names it", () => {
    expect(computeValidity({ ...base, requestedDays: 400 }).cappedBy).toBe("policy");
    const issuerCut = computeValidity({
      ...base,
      requestedDays: 300,
      issuerNotAfter: new Date("2027-01-01T00:00:00Z"),
    });
    expect(issuerCut).toMatchObject({ cappedBy: "issuer", notAfter: new Date("2027-01-01T00:00:00Z") });
    const late = computeValidity({
      now: new Date("2037-06-01T00:00:00Z"),
      requestedDays: 365,
      policyMaxDays: 3650,
      issuerNotAfter: new Date("2040-01-01T00:00:00Z"),
    });
    expect(late).toMatchObject({ cappedBy: "2038-limit", notAfter: LATEST_NOT_AFTER });
    // An issuer that itself ends at the 2038 limit: the limit is what cut the certificate.
    const tie = computeValidity({
      ...base,
      now: late.notBefore,
      requestedDays: 3650,
      policyMaxDays: 3650,
      issuerNotAfter: LATEST_NOT_AFTER,
    });
    expect(tie.cappedBy).toBe("2038-limit");
    expect(LATEST_NOT_AFTER.toISOString()).toBe("2037-12-31T23:59:59.000Z");
  });

  it("refuses a cut request in strict mode, naming the limit", () => {
    expect(() => computeValidity({ ...base, requestedDays: 400, strict: true })).toThrow(/policy maximum/);
    expect(() =>
      computeValidity({
        ...base,
        requestedDays: 300,
        strict: true,
        issuerNotAfter: new Date("2027-01-01T00:00:00Z"),
      }),
    ).toThrow(/issuing CA's expiry/);
    expect(computeValidity({ ...base, requestedDays: 365, strict: true }).cappedBy).toBeUndefined();
  });

  it("refuses when the issuer has already expired", () => {
    expect(() => computeValidity({ ...base, issuerNotAfter: new Date("2026-01-01T00:00:00Z") })).toThrow(
      CaError,
    );
  });
});

describe("device IDs follow the DPS registration ID rule", () => {
  it.each(["a", "A-z_0.9:x", "x".repeat(64), "line7-0001", "urn:dev:42"])("accepts %j", (id) => {
    expect(() => assertValidDeviceId(id)).not.toThrow();
  });
  it.each(["", "x".repeat(65), "has space", "slash/no", "ünïcode", "semi;colon", "new\nline", "CN=x,O=y"])(
    "refuses %j with the rule",
    (id) => {
      expect(() => assertValidDeviceId(id)).toThrow(/1 to 64 characters of A-Z, a-z, 0-9/);
    },
  );
});

describe("serial numbers", () => {
  it("are 16 bytes, positive, never padded, and random", () => {
    const fixed = randomSerialNumber((bytes) => bytes.fill(0xff));
    expect(fixed).toBe(`7f${"ff".repeat(15)}`);
    expect(randomSerialNumber((bytes) => bytes.fill(0))).toBe(`40${"00".repeat(15)}`);
    const seen = new Set(
      Array.from({ length: 1000 }, () => randomSerialNumber((b) => crypto.getRandomValues(b))),
    );
    expect(seen.size).toBe(1000);
  });
});
