import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The service's own stand-in for Entra ID: discovery, a JWKS, RS256 tokens, on 127.0.0.1.
import { type OidcIssuerStandIn, startOidcIssuer } from "../../ca-service/test/support/oidc-issuer.js";
import { AuthenticationError, EdgePkiClient } from "../src/index.js";
import { type RunningCa, startCa } from "./support/ca-service.js";

const AUDIENCE = "api://edge-pki-sdk-test";
const SCOPE = `${AUDIENCE}/.default`;

/**
 * A TokenCredential as @azure/identity's credentials are: it gets tokens for scopes from the
 * identity provider. Counts its calls, to show that the client caches the token.
 */
class StandInCredential implements TokenCredential {
  calls = 0;
  scopes: (string | string[])[] = [];

  constructor(
    private readonly idp: OidcIssuerStandIn,
    private readonly roles: string[],
  ) {}

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.calls++;
    this.scopes.push(scopes);
    return {
      token: await this.idp.sign({ aud: AUDIENCE, sub: "factory-service", roles: this.roles }),
      expiresOnTimestamp: Date.now() + 10 * 60_000,
    };
  }
}

let idp: OidcIssuerStandIn;
let ca: RunningCa;

beforeAll(async () => {
  idp = await startOidcIssuer();
  ca = await startCa({
    env: { EDGE_PKI_OIDC_ISSUERS: JSON.stringify([{ issuer: idp.issuer, audience: AUDIENCE }]) },
  });
});

afterAll(async () => {
  await ca?.dispose();
  await idp?.stop();
});

describe("a TokenCredential (Microsoft Entra ID through @azure/identity)", () => {
  it("issues with tokens from the credential for the client's scope, fetched once and reused", async () => {
    const credential = new StandInCredential(idp, ["issuer", "reader"]);
    const client = new EdgePkiClient({ baseUrl: ca.url, credential, scopes: SCOPE });
    const identity = await client.createDeviceIdentity("entra-1");
    const record = await client.getCertificate(identity.serialNumber);
    expect(record.requester).toBe(`${idp.issuer}#factory-service`);
    await client.createDeviceIdentity("entra-2");
    expect(credential.calls).toBe(1);
    expect(credential.scopes).toEqual([SCOPE]);
  });

  it("a token without a role the CA knows is refused with the typed error", async () => {
    const client = new EdgePkiClient({
      baseUrl: ca.url,
      credential: new StandInCredential(idp, []),
      scopes: SCOPE,
    });
    await expect(client.createDeviceIdentity("entra-3")).rejects.toMatchObject({ status: 403 });
    const forged = new EdgePkiClient({
      baseUrl: ca.url,
      credential: {
        getToken: async () => ({ token: "e30.e30.c2ln", expiresOnTimestamp: Date.now() + 60_000 }),
      },
      scopes: SCOPE,
    });
    await expect(forged.createDeviceIdentity("entra-4")).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("needs scopes", () => {
    expect(() => new EdgePkiClient({ baseUrl: ca.url, credential: new StandInCredential(idp, []) })).toThrow(
      /needs scopes/,
    );
  });
});
