import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

export interface OidcIssuerStandIn {
  /** The issuer URL, as `iss` and in discovery. */
  issuer: string;
  /** Signs a token with the current key (or a key not published in the JWKS); `iss` defaults to ours. */
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** A new current key: published, and used from now on (the old one stays published). */
  rotate(): Promise<void>;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  stop(): Promise<void>;
}

export interface SignOptions {
  /** Sign with a key the JWKS does not publish. */
  unpublishedKey?: boolean;
  /** The `kid` to name in the header instead of the signing key's own. */
  kid?: string;
  /** The header's `typ` (default `JWT`). */
  typ?: string;
  expiresIn?: string | number;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** A tiny OpenID Connect issuer on 127.0.0.1: discovery, a JWKS, RS256 tokens. */
export async function startOidcIssuer(): Promise<OidcIssuerStandIn> {
  const published: SigningKey[] = [await newKey("key-1")];
  const unpublished = await newKey("key-unpublished");
  let fetches = 0;
  let issuer = "";
  const server = createServer((request, response) => {
    const send = (body: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.url === "/.well-known/openid-configuration") {
      send({ issuer, jwks_uri: `${issuer}/keys`, id_token_signing_alg_values_supported: ["RS256"] });
    } else if (request.url === "/keys") {
      fetches += 1;
      send({ keys: published.map((key) => key.publicJwk) });
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    sign: async (claims, options = {}) => {
      const key = options.unpublishedKey ? unpublished : (published.at(-1) as SigningKey);
      return new SignJWT({ iss: issuer, ...claims })
        .setProtectedHeader({ alg: "RS256", kid: options.kid ?? key.kid, typ: options.typ ?? "JWT" })
        .setIssuedAt(typeof claims.iat === "number" ? claims.iat : undefined)
        .setExpirationTime(options.expiresIn ?? "10m")
        .sign(key.privateKey);
    },
    rotate: async () => {
      published.push(await newKey(`key-${published.length + 1}`));
    },
    jwksFetches: () => fetches,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}
