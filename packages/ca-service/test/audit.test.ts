import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startTestService, type TestService } from "./support/service.js";

let service: TestService;

beforeAll(async () => {
  service = await startTestService();
});

afterAll(async () => {
  await service.dispose();
});

describe("GET /v1/audit", () => {
  it("records each issuance with the token's identity as actor", async () => {
    const token = await service.token(["issuer"], { subject: "line3-station" });
    const issued = await call(`${service.url}/v1/credentials`, { body: { deviceId: "audited-dev" }, token });
    const page = await call(`${service.url}/v1/audit?limit=1000`, { token: await service.token(["reader"]) });
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

  it("pages by id with a next cursor, and the last page has next: null", async () => {
    const token = service.adminToken;
    const all = await call(`${service.url}/v1/audit?limit=1000`, { token });
    const ids: number[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof call>> = await call(
        `${service.url}/v1/audit?limit=2${after === null ? "" : `&after=${after}`}`,
        { token },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.items.map((item: { id: number }) => item.id));
      after = page.body.next;
    } while (after !== null);
    expect(ids).toEqual(all.body.items.map((item: { id: number }) => item.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(all.body.next).toBeNull();
  });

  it("refuses a bad cursor or limit with 400", async () => {
    for (const query of ["after=abc", "limit=0", "limit=1001", "unknown=1"]) {
      const response = await call(`${service.url}/v1/audit?${query}`, { token: service.adminToken });
      expect(response.status).toBe(400);
    }
  });
});
