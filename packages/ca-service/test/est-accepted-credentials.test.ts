import type { Request } from "express";
import { describe, expect, it } from "vitest";
import { CaError } from "../src/core/errors.js";
import type { Principal } from "../src/core/principal.js";
import { anonymousPrincipal } from "../src/core/principal.js";
import type { Authenticator } from "../src/http/authentication/authenticator.js";
import { firstPresentedCredential } from "../src/http/est/first-presented-credential.js";

/** An authenticator that answers as told: what an EST route's accepted list is made of. */
function answering(outcome: Principal | CaError): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    failureDetails: () => undefined,
    authenticate: async () => {
      if (outcome instanceof CaError) throw outcome;
      return outcome;
    },
  };
}

const request = {} as Request;
const missing = new CaError("unauthorized", "none of mine", { credentialsMissing: true });
const refused = new CaError("forbidden", "not one of ours");
const alice = anonymousPrincipal("alice");

describe("the credentials an EST route accepts", () => {
  it("takes the first credential the request carries", async () => {
    const accepted = firstPresentedCredential([answering(missing), answering(alice)]);
    await expect(accepted.authenticate(request, undefined)).resolves.toBe(alice);
  });

  it("answers 401 (a challenge) when the request carries none", async () => {
    const accepted = firstPresentedCredential([answering(missing), answering(missing)]);
    await expect(accepted.authenticate(request, undefined)).rejects.toMatchObject({
      code: "unauthorized",
      credentialsMissing: true,
    });
  });

  it("lets a later credential (a Basic password beside a bootstrap certificate we do not know) decide", async () => {
    const accepted = firstPresentedCredential([answering(refused), answering(alice)]);
    await expect(accepted.authenticate(request, undefined)).resolves.toBe(alice);
  });

  it("gives the first refusal when no credential holds", async () => {
    const accepted = firstPresentedCredential([answering(refused), answering(missing)]);
    await expect(accepted.authenticate(request, undefined)).rejects.toBe(refused);
  });
});
