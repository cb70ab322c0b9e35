import type { AuditPage, IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { it } from "./support/fixtures.js";
import { type Answer, call } from "./support/service.js";

describe("GET /v1/audit", () => {
  it("records each issuance with the token's identity as actor", async ({ service }) => {
    const token = await service.token(["issuer"], { subject: "line3-station" });
    const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
      body: { deviceId: "audited-dev" },
      token,
    });
    const page = await call<AuditPage>(`${service.url}/v1/audit?limit=1000`, {
      token: await service.token(["reader"]),
    });
    expect(page.status).toBe(200);
    expect(page.body.items).toContainEqual(
      expect.objectContaining({
        actor: "token:line3-station",
        action: "credentials.issue",
        target: "audited-dev",
        outcome: "success",
        details: expect.objectContaining({ serialNumber: issued.body.serialNumber }),
      }),
    );
    expect(page.text).not.toContain("PRIVATE KEY");
  });

  it("pages by id with a next cursor, and the last page has next: null", async ({ service }) => {
    const token = service.adminToken;
    const all = await call<AuditPage>(`${service.url}/v1/audit?limit=1000`, { token });
    const ids: number[] = [];
    let after: string | null = null;
    do {
      const page: Answer<AuditPage> = await call<AuditPage>(
        `${service.url}/v1/audit?limit=2${after === null ? "" : `&after=${after}`}`,
        { token },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.items.map((item) => item.id));
      after = page.body.next;
    } while (after !== null);
    expect(ids).toEqual(all.body.items.map((item) => item.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(all.body.next).toBeNull();
  });

  it("refuses a bad cursor or limit with 400", async ({ service }) => {
    for (const query of ["after=abc", "limit=0", "limit=1001", "unknown=1"]) {
      const response = await call(`${service.url}/v1/audit?${query}`, { token: service.adminToken });
      expect(response.status).toBe(400);
    }
  });
});
