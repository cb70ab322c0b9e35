import { createPublicKey, type KeyObject } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { CertificateClient } from "@azure/keyvault-certificates";
import { CryptographyClient, KeyClient, type KeyClientOptions, type KeyVaultKey } from "@azure/keyvault-keys";
import type { KeyVaultEmulator } from "../src/index.js";

/** A policy of the SDK's pipeline (the type `@azure/core-rest-pipeline` exports, reached through the client's options). */
export type PipelinePolicy = NonNullable<KeyClientOptions["additionalPolicies"]>[number]["policy"];

/** Any token works against the emulator; expiry far enough out that the SDK never refreshes. */
export const credential: TokenCredential = {
  getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export interface ClientOptions {
  maxRetries?: number;
  /** Sees every attempt on the wire (after the SDK's retries), e.g. an {@link ExchangeRecorder}. */
  recorder?: ExchangeRecorder;
}

/** One request and its answer as they crossed the wire. */
export interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: { retryAfter: string | undefined; retryAfterMs: string | undefined; location: string | undefined };
  body: Record<string, unknown> | undefined;
}

/** A pipeline policy that keeps every exchange with the emulator, for checks on the raw wire shapes. */
export class ExchangeRecorder {
  readonly exchanges: Exchange[] = [];
  readonly policy: PipelinePolicy = {
    name: "exchange-recorder",
    sendRequest: async (request, next) => {
      const response = await next(request);
      this.exchanges.push({
        method: request.method,
        path: new URL(request.url).pathname,
        status: response.status,
        headers: {
          retryAfter: response.headers.get("retry-after"),
          retryAfterMs: response.headers.get("retry-after-ms"),
          location: response.headers.get("location"),
        },
        body: response.bodyAsText ? (JSON.parse(response.bodyAsText) as Record<string, unknown>) : undefined,
      });
      return response;
    },
  };

  /** The last exchange of `method` on `path`; throws when there was none. */
  last(method: string, path: string): Exchange {
    const found = this.exchanges.findLast((exchange) => exchange.method === method && exchange.path === path);
    if (!found) throw new Error(`no ${method} ${path} was recorded`);
    return found;
  }
}

function pipelineOptions(emulator: KeyVaultEmulator, options: ClientOptions = {}) {
  return {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emulator.caCertificatePem },
    ...(options.maxRetries === undefined ? {} : { retryOptions: { maxRetries: options.maxRetries } }),
    ...(options.recorder
      ? { additionalPolicies: [{ policy: options.recorder.policy, position: "perRetry" as const }] }
      : {}),
  };
}

export const keyClient = (emulator: KeyVaultEmulator, options?: ClientOptions): KeyClient =>
  new KeyClient(emulator.url, credential, pipelineOptions(emulator, options));

export const certificateClient = (emulator: KeyVaultEmulator, options?: ClientOptions): CertificateClient =>
  new CertificateClient(emulator.url, credential, pipelineOptions(emulator, options));

export const cryptographyClient = (
  emulator: KeyVaultEmulator,
  kid: string,
  options?: ClientOptions,
): CryptographyClient => new CryptographyClient(kid, credential, pipelineOptions(emulator, options));

/** The public key of a Key Vault key, rebuilt from the JWK the emulator returned. */
export function publicKeyOf(key: KeyVaultKey): KeyObject {
  const jwk = key.key;
  if (!jwk) throw new Error("key has no JWK");
  const b64u = (bytes: Uint8Array | undefined) =>
    Buffer.from(bytes ?? new Uint8Array()).toString("base64url");
  return jwk.kty?.startsWith("EC")
    ? createPublicKey({ key: { kty: "EC", crv: jwk.crv, x: b64u(jwk.x), y: b64u(jwk.y) }, format: "jwk" })
    : createPublicKey({ key: { kty: "RSA", n: b64u(jwk.n), e: b64u(jwk.e) }, format: "jwk" });
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<{
  statusCode?: number;
  code?: string;
  message: string;
  /** The error body, as the SDK maps it (`innererror` becomes `innerError`). */
  details?: { error?: { innerError?: { code?: string } } };
}> {
  try {
    await fn();
  } catch (error) {
    return error as Awaited<ReturnType<typeof caught>>;
  }
  throw new Error("expected the call to fail");
}
