import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROBLEMS, type ProblemCode } from "@edge-pki/api-contract";
import { describe, expect, it } from "vitest";
import { retryAfterMs, retryDelayMs } from "../src/core/retry-policy.js";
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  CredentialError,
  CredentialsAlreadyIssuedError,
  EdgePkiClient,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  UnavailableError,
} from "../src/index.js";
import { selfSigned } from "./support/openssl.js";

// Fault injection for the request core: a fetch that answers as told. Everything else in this
// package runs against the real service.

const problem = (
  code: ProblemCode,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) =>
  new Response(
    JSON.stringify({
      type: `urn:edge-pki:problem:${code}`,
      title: PROBLEMS[code].title,
      status: PROBLEMS[code].status,
      detail: `detail of ${code}`,
      code,
      ...extra,
    }),
    { status: PROBLEMS[code].status, headers: { "content-type": "application/problem+json", ...headers } },
  );

const issued = (serialNumber = "0a".repeat(16)) =>
  new Response(
    JSON.stringify({
      serialNumber,
      deviceId: "dev-1",
      certificatePem: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
      fullChainPem: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
      notBefore: "2026-01-01T00:00:00.000Z",
      notAfter: "2027-01-01T00:00:00.000Z",
    }),
    { status: 201, headers: { "content-type": "application/json" } },
  );

interface Seen {
  url: string;
  method: string;
  headers: Headers;
}

/** A fetch that gives the scripted answers in turn (a function throws a network error) and records calls. */
function scriptedFetch(answers: (() => Response)[]) {
  const seen: Seen[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(input), method: init?.method ?? "GET", headers: new Headers(init?.headers) });
    const answer = answers.shift();
    if (answer === undefined) throw new Error("no more scripted answers");
    return answer();
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

const networkError = () => {
  throw new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  });
};

const client = (fetch: typeof globalThis.fetch, options: { maxRetries?: number } = {}) =>
  new EdgePkiClient({
    baseUrl: "http://127.0.0.1:1/prefix/",
    credential: "token-value",
    fetch,
    backoff: { initialDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 20 },
    ...options,
  });

const CLASS_BY_STATUS: Record<number, new (...args: never[]) => ApiError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  405: BadRequestError,
  409: ConflictError,
  413: BadRequestError,
  415: BadRequestError,
  422: ConflictError,
  429: RateLimitError,
  500: InternalServerError,
  503: UnavailableError,
};

describe("typed errors", () => {
  it.each(Object.keys(PROBLEMS) as ProblemCode[])("%s maps to its class through its status", async (code) => {
    const { fetch } = scriptedFetch([() => problem(code, { errors: [{ field: "csr", message: "bad" }] })]);
    const error = await client(fetch, { maxRetries: 0 })
      .getCertificate("01")
      .catch((caught: unknown) => caught);
    const expected =
      code === "credentials_already_issued"
        ? CredentialsAlreadyIssuedError
        : CLASS_BY_STATUS[PROBLEMS[code].status];
    expect(error).toBeInstanceOf(expected);
    expect(error).toMatchObject({
      status: PROBLEMS[code].status,
      type: `urn:edge-pki:problem:${code}`,
      title: PROBLEMS[code].title,
      detail: `detail of ${code}`,
      errors: [{ field: "csr", message: "bad" }],
      problem: { code },
      operationId: "getCertificate",
    });
  });

  it("a body that is not problem+json (a proxy's page) still gives the status's class", async () => {
    const { fetch } = scriptedFetch([
      () => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    ]);
    const error = await client(fetch, { maxRetries: 0 })
      .getCa()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 502, title: "Bad Gateway", detail: "<html>Bad gateway</html>" });
    expect((error as UnavailableError).problem.code).toBeUndefined();
  });
});

describe("a credential that gives no token", () => {
  it("no credential: a CredentialError before anything is sent, never retried", async () => {
    const { fetch, seen } = scriptedFetch([issued, issued, issued]);
    const bare = new EdgePkiClient({ baseUrl: "http://127.0.0.1:1", fetch, maxRetries: 2 });
    const error = await bare.listTokens().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialError);
    expect(error).not.toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({
      code: "ERR_CREDENTIAL",
      operationId: "listTokens",
      message: "listTokens needs a credential: pass one to the EdgePkiClient",
    });
    expect(seen).toHaveLength(0);
  });

  it("a TokenCredential whose getToken throws: a CredentialError with its cause, asked once", async () => {
    const { fetch, seen } = scriptedFetch([issued, issued, issued]);
    const failure = new Error("AADSTS700016: application not found");
    let calls = 0;
    const failing = new EdgePkiClient({
      baseUrl: "http://127.0.0.1:1",
      credential: {
        getToken: async () => {
          calls++;
          throw failure;
        },
      },
      scopes: "api://edge-pki/.default",
      fetch,
      maxRetries: 2,
      backoff: { initialDelayMs: 1, maxDelayMs: 5 },
    });
    const error = await failing.issueCertificate({ csr: "csr" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialError);
    expect(error).toMatchObject({
      code: "ERR_CREDENTIAL",
      message: "the credential gave no token: AADSTS700016: application not found",
      cause: failure,
    });
    expect((error as CredentialError).idempotencyKey).toEqual(expect.any(String));
    expect(calls).toBe(1);
    expect(seen).toHaveLength(0);
  });
});

describe("getReadiness", () => {
  it("a 503 is an answer: unavailable, with the service's reason; a 200 is ok", async () => {
    const notReady = () =>
      problem("unavailable", { detail: "not ready: store unusable" }, { "retry-after": "0" });
    const { fetch, seen } = scriptedFetch([
      notReady,
      notReady,
      () => Response.json({ status: "ok", checks: { store: "ok", keyStore: "ok" } }),
    ]);
    expect(await client(fetch, { maxRetries: 1 }).getReadiness()).toEqual({
      status: "unavailable",
      detail: "not ready: store unusable",
    });
    expect(seen).toHaveLength(2);
    expect(await client(fetch, { maxRetries: 0 }).getReadiness()).toEqual({
      status: "ok",
      checks: { store: "ok", keyStore: "ok" },
    });
  });

  it("other failures still throw", async () => {
    const { fetch } = scriptedFetch([() => problem("internal")]);
    await expect(client(fetch, { maxRetries: 0 }).getReadiness()).rejects.toBeInstanceOf(InternalServerError);
  });
});

describe("retries", () => {
  it("retries network errors and 503 with one Idempotency-Key, and the path keeps the base URL's prefix", async () => {
    const { fetch, seen } = scriptedFetch([networkError, () => problem("unavailable"), () => issued()]);
    const result = await client(fetch).issueCertificate({ csr: "x" });
    expect(result.serialNumber).toBe("0a".repeat(16));
    expect(seen.map((call) => call.url)).toEqual(Array(3).fill("http://127.0.0.1:1/prefix/v1/certificates"));
    const keys = new Set(seen.map((call) => call.headers.get("idempotency-key")));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer token-value");
  });

  it("each logical call has its own key; a given key is sent as it is", async () => {
    const { fetch, seen } = scriptedFetch([() => issued(), () => issued(), () => issued()]);
    const sdk = client(fetch);
    await sdk.issueCertificate({ csr: "x" });
    await sdk.issueCertificate({ csr: "x" });
    await sdk.issueCertificate({ csr: "x" }, { idempotencyKey: "line7-0001-first" });
    const [first, second, third] = seen.map((call) => call.headers.get("idempotency-key"));
    expect(first).not.toBe(second);
    expect(third).toBe("line7-0001-first");
  });

  it("never retries a 4xx other than 429, nor a 500", async () => {
    for (const code of [
      "invalid_csr",
      "unauthorized",
      "forbidden",
      "already_revoked",
      "idempotency_conflict",
      "internal",
    ] as const) {
      const { fetch, seen } = scriptedFetch([() => problem(code), () => issued()]);
      await expect(client(fetch).issueCertificate({ csr: "x" })).rejects.toBeInstanceOf(ApiError);
      expect(seen).toHaveLength(1);
    }
  });

  it("retries 429 after Retry-After and gives up after maxRetries with the typed error and its key", async () => {
    const { fetch, seen } = scriptedFetch([
      () => problem("rate_limited", {}, { "retry-after": "0" }),
      () => problem("rate_limited", {}, { "retry-after": "0" }),
      () => problem("rate_limited", {}, { "retry-after": "0" }),
    ]);
    const error = await client(fetch, { maxRetries: 2 })
      .createBootstrapToken("dev-1")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(seen).toHaveLength(3);
    expect((error as RateLimitError).idempotencyKey).toBe(seen[0]?.headers.get("idempotency-key"));
  });

  it("server-side key generation retried after it issued: CredentialsAlreadyIssuedError with the serial", async () => {
    const serialNumber = "1f".repeat(16);
    const { fetch, seen } = scriptedFetch([
      networkError,
      () => problem("credentials_already_issued", { serialNumber }),
    ]);
    const error = await client(fetch)
      .issueCredentials("dev-1")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialsAlreadyIssuedError);
    expect(error).toMatchObject({ code: "ERR_CREDENTIALS_ALREADY_ISSUED", serialNumber });
    expect((error as CredentialsAlreadyIssuedError).idempotencyKey).toBe(
      seen[1]?.headers.get("idempotency-key"),
    );
  });

  it("refuses a base URL it cannot use, without quoting a password it holds", () => {
    expect(() => new EdgePkiClient({ baseUrl: "ftp://127.0.0.1" })).toThrow(
      "baseUrl must be http:// or https://, not ftp:",
    );
    const withPassword = () => new EdgePkiClient({ baseUrl: "https://admin:s3cret@pki.example.com" });
    expect(withPassword).toThrow(
      "baseUrl must not hold a user name or password (https://***@pki.example.com): give the credential as credential",
    );
    expect(withPassword).not.toThrow(/s3cret|admin/);
  });

  it.for([1, 6000, 10080])(
    "port %i, which fetch itself refuses, is said so at once, not retried as an outage",
    async (port) => {
      let calls = 0;
      const counted: typeof globalThis.fetch = (input, init) => {
        calls += 1;
        return globalThis.fetch(input, init);
      };
      const error = await new EdgePkiClient({
        baseUrl: `http://127.0.0.1:${port}`,
        fetch: counted,
        maxRetries: 3,
      })
        .getCa()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).message).toBe(
        `cannot reach http://127.0.0.1:${port}: fetch refuses port ${port} (one of the Fetch standard's blocked ports, such as 1, 6000 and 10080); serve the CA on another port`,
      );
      expect(calls).toBe(1);
    },
  );

  it("a renewal is not sent again after a network error: its proof is single-use", async ({ task }) => {
    const dir = await mkdtemp(join(tmpdir(), `${task.id}-`));
    try {
      const key = join(dir, "key.pem");
      const cert = join(dir, "cert.pem");
      await selfSigned(key, cert, "dev-1", 1);
      const { fetch, seen } = scriptedFetch([networkError, () => issued()]);
      const error = await client(fetch)
        .renew({
          certificateChainPem: await readFile(cert, "utf8"),
          privateKeyPem: await readFile(key, "utf8"),
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).message).toBe(
        "cannot reach http://127.0.0.1:1: connect ECONNREFUSED",
      );
      expect(seen).toHaveLength(1);
      expect(seen[0]?.headers.get("authorization")).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a renewal with a key that is not the certificate's is refused before anything is sent", async ({
    task,
  }) => {
    const dir = await mkdtemp(join(tmpdir(), `${task.id}-`));
    try {
      await selfSigned(join(dir, "a.key"), join(dir, "a.pem"), "dev-a", 1);
      await selfSigned(join(dir, "b.key"), join(dir, "b.pem"), "dev-b", 1);
      const { fetch, seen } = scriptedFetch([() => issued()]);
      await expect(
        client(fetch).renew({
          certificateChainPem: await readFile(join(dir, "a.pem"), "utf8"),
          privateKeyPem: await readFile(join(dir, "b.key"), "utf8"),
        }),
      ).rejects.toThrow("privateKeyPem does not belong to the first certificate of certificateChainPem");
      expect(seen).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a timeout per attempt is a TimeoutError once retries are spent", async () => {
    const hanging = (async (_input: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as typeof globalThis.fetch;
    const sdk = new EdgePkiClient({
      baseUrl: "http://127.0.0.1:1",
      fetch: hanging,
      timeoutMs: 20,
      maxRetries: 1,
      backoff: { initialDelayMs: 1 },
    });
    const error = await sdk.getCa().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "ERR_TIMEOUT", message: "no answer within 20 ms" });
  });

  it("tokens go only to operations that need one", async () => {
    const { fetch, seen } = scriptedFetch([
      () => new Response("-----BEGIN CERTIFICATE-----\n", { status: 200 }),
    ]);
    await client(fetch).getRootPem();
    expect(seen[0]?.headers.get("authorization")).toBeNull();
  });
});

describe("Retry-After", () => {
  const now = () => Date.parse("2026-01-01T00:00:00Z");
  const policy = { maxRetries: 2, initialDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
  it("reads seconds, an HTTP-date and retry-after-ms, and caps them", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "5" }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:07 GMT" }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 31 Dec 2025 00:00:00 GMT" }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryDelayMs(policy, 0, new Headers({ "retry-after": "3600" }), () => 0, now)).toBe(60_000);
  });
  it("without one: exponential backoff with up to 25% jitter, capped", () => {
    expect(retryDelayMs(policy, 0, undefined, () => 0, now)).toBe(500);
    expect(retryDelayMs(policy, 2, undefined, () => 0, now)).toBe(2000);
    expect(retryDelayMs(policy, 2, undefined, () => 1, now)).toBe(1500);
    expect(retryDelayMs(policy, 10, undefined, () => 0, now)).toBe(8000);
  });
});
