import type { IssuedCertificate } from "@edge-pki/api-contract";
import type { Request } from "express";
import { describe, expect } from "vitest";
import { clientAddressOf, trustedProxies } from "../src/http/trusted-proxies.js";
import { pinnedClock } from "./support/clock.js";
import { issueDevice } from "./support/crl.js";
import { it } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { csrForKey, renewalProof } from "./support/renewal-proof.js";
import { call, type TestService } from "./support/service.js";

/** A pinned clock: buckets never refill during a test, so counts are exact. */
const frozen = pinnedClock();

const request = (peer: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  }) as unknown as Request;

describe("the client's address", () => {
  const proxies = trustedProxies(["10.0.0.5", "10.1.0.0/16", "fd00::/8"]);

  it("is the TCP peer's unless that is a trusted proxy; then the nearest untrusted X-Forwarded-For hop", () => {
    expect(clientAddressOf(request("198.51.100.4", "203.0.113.7"), proxies)).toBe("198.51.100.4");
    expect(clientAddressOf(request("10.0.0.5", "203.0.113.7"), proxies)).toBe("203.0.113.7");
    expect(clientAddressOf(request("::ffff:10.0.0.5", "203.0.113.7"), proxies)).toBe("203.0.113.7");
    // Two proxies in a row; what the client itself wrote further left is not believed.
    expect(clientAddressOf(request("10.0.0.5", "1.2.3.4, 203.0.113.7, 10.1.2.3"), proxies)).toBe(
      "203.0.113.7",
    );
    expect(clientAddressOf(request("fd00::1", "2001:db8::7"), proxies)).toBe("2001:db8::7");
  });

  it("drops the port that Azure Application Gateway writes after each client address", () => {
    expect(clientAddressOf(request("10.0.0.5", "203.0.113.7:50123"), proxies)).toBe("203.0.113.7");
    expect(clientAddressOf(request("10.0.0.5", "[2001:db8::7]:50123"), proxies)).toBe("2001:db8::7");
    expect(clientAddressOf(request("10.0.0.5", "[2001:db8::7]"), proxies)).toBe("2001:db8::7");
    expect(clientAddressOf(request("10.0.0.5", "1.2.3.4:1, 203.0.113.7:2, 10.1.2.3:3"), proxies)).toBe(
      "203.0.113.7",
    );
    // A port alone, or a port that is not one, is still not an address.
    expect(clientAddressOf(request("10.0.0.5", "203.0.113.7:http"), proxies)).toBe("10.0.0.5");
    expect(clientAddressOf(request("10.0.0.5", ":50123"), proxies)).toBe("10.0.0.5");
  });

  it("stays the proxy's when the header is missing or names something that is not an address", () => {
    expect(clientAddressOf(request("10.0.0.5"), proxies)).toBe("10.0.0.5");
    expect(clientAddressOf(request("10.0.0.5", "not-an-address"), proxies)).toBe("10.0.0.5");
    expect(clientAddressOf(request("10.0.0.5", "203.0.113.7, nonsense"), proxies)).toBe("10.0.0.5");
  });

  it("is never taken from the header when no proxy is trusted", () => {
    expect(clientAddressOf(request("127.0.0.1", "203.0.113.7"), trustedProxies([]))).toBe("127.0.0.1");
  });
});

// Each test starts services of its own: their budgets, their settings, spent by that test alone.
describe("behind a trusted proxy", () => {
  const asClient = (service: TestService, address: string, token?: string) =>
    call(`${service.url}/v1/audit?limit=1`, {
      headers: { "x-forwarded-for": address },
      ...(token && { token }),
    });

  it("each client has its own failure budget and audit identity; without the setting the header is ignored", async ({
    startService,
  }) => {
    const service = await startService({
      clock: frozen,
      env: { EDGE_PKI_TRUSTED_PROXIES: "127.0.0.1", EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "2" },
    });
    expect((await asClient(service, "203.0.113.7", "guess-1")).status).toBe(401);
    expect((await asClient(service, "203.0.113.7", "guess-2")).status).toBe(401);
    expect((await asClient(service, "203.0.113.7", "guess-3")).status).toBe(429);
    // Another device behind the same proxy is not blocked by the first one's failures.
    expect((await asClient(service, "203.0.113.8", "guess-1")).status).toBe(401);
    const failures = (await service.context.store.listAudit({ limit: 1000 })).filter(
      (e) => e.action === "auth.failure",
    );
    expect(failures.map((e) => e.actor)).toEqual([
      "anonymous@203.0.113.7",
      "anonymous@203.0.113.7",
      "anonymous@203.0.113.8",
    ]);

    const direct = await startService({ clock: frozen, env: { EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "2" } });
    await asClient(direct, "203.0.113.7", "guess-1");
    expect((await direct.context.store.listAudit({ limit: 1000 })).at(-1)?.actor).toBe("anonymous@127.0.0.1");
  });
});

describe("renewal's rate limits", () => {
  it("malformed renewals spend only a coarse per-address bound, not the budget a device's renewal needs", async ({
    startService,
    dataDir: dir,
  }) => {
    const service = await startService({
      clock: frozen,
      env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "2", EDGE_PKI_PUBLIC_RATE_LIMIT_PER_MINUTE: "1000" },
    });
    const { csrPem, keyPath, keyPem } = await opensslCsr(dir, "/CN=renew-budget");
    const issued = await issueDevice(service, dir, "renew-budget", csrPem);
    // Ten requests that fail validation, from the address every device shares.
    for (let i = 0; i < 10; i += 1) {
      expect((await call(`${service.url}/v1/certificates/renew`, { body: { csr: "x" } })).status).toBe(400);
    }
    const renewalCsr = await csrForKey(dir, keyPath, "/CN=renew-budget");
    const proof = await renewalProof({ keyPem, chainPem: issued.fullChainPem, csrPem: renewalCsr });
    const renewed = await call<IssuedCertificate>(`${service.url}/v1/certificates/renew`, {
      body: { csr: renewalCsr, proof },
    });
    expect(renewed.status).toBe(201);
  });
});
