import { createHmac } from "node:crypto";

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** An unsecured JWT (`alg: none`), assembled by hand as an attacker would. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`;
}

/**
 * An HS256 token whose HMAC secret is `secret` (our public key as JWK JSON or PEM): the classic
 * algorithm-confusion attack against verifiers that let the token choose the algorithm.
 */
export function hmacToken(claims: Record<string, unknown>, secret: string, kid?: string): string {
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT", ...(kid && { kid }) }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}
