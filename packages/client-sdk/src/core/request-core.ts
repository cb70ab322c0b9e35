import { randomUUID } from "node:crypto";
import {
  expandPath,
  type OperationDefinition,
  type OperationId,
  type Operations,
  operations,
  type ParamsOf,
  type QueryOf,
  type RequestBodyOf,
  type ResponseBodyOf,
} from "@edge-pki/api-contract";
import {
  AbortError,
  ApiError,
  apiErrorOf,
  ConnectionError,
  CredentialError,
  EdgePkiError,
  InvalidResponseError,
  type RequestContext,
  TimeoutError,
} from "../errors.js";
import type { AuthorizationProvider } from "./credential.js";
import { readProblem } from "./problem.js";
import { type RetryPolicy, retryDelayMs } from "./retry-policy.js";

/** What a call of one operation sends: the members its table entry declares, and only those. */
export type RequestInput<Id extends OperationId> = Member<"params", ParamsOf<Operations[Id], "input">> &
  Member<"query", QueryOf<Operations[Id], "input">> &
  Member<"body", RequestBodyOf<Operations[Id], "input">>;

type Member<Name extends string, Value> = [Value] extends [undefined]
  ? { [Key in Name]?: undefined }
  : { [Key in Name]: Value };

/** What a call of one operation returns: its success body as the contract describes it. */
export type ResponseOf<Id extends OperationId> = ResponseBodyOf<Operations[Id]>;

/**
 * Per-call options, as openai-node has them: they win over the client's for this call.
 *
 * @example
 * ```ts
 * await client.getCa({ timeoutMs: 2_000, maxRetries: 0, signal: AbortSignal.timeout(5_000) });
 * ```
 */
export interface CallOptions {
  /** Aborts the call, its retries and its waits. */
  signal?: AbortSignal;
  /** For each attempt: how long to wait for the whole answer. */
  timeoutMs?: number;
  maxRetries?: number;
  /**
   * For operations that take one: the `Idempotency-Key` of this logical call. By default a new
   * random key is made per call; pass your own to make a call repeatable across processes.
   */
  idempotencyKey?: string;
}

/** What the core needs; `EdgePkiClient` fills it from its options. */
export interface RequestCoreOptions {
  baseUrl: URL;
  /** Absent: calls that need a token fail before anything is sent. */
  authorization: AuthorizationProvider | undefined;
  timeoutMs: number;
  retry: RetryPolicy;
  fetch: typeof globalThis.fetch;
  userAgent: string;
  /** Injected for tests: the wait between attempts, jitter and the clock. */
  sleep: (milliseconds: number, signal: AbortSignal | undefined) => Promise<void>;
  random: () => number;
  now: () => number;
}

/**
 * Operations without an `Idempotency-Key` whose repetition is harmless: a revocation repeated
 * with the same reason, or a block of a blocked device, returns the record unchanged (docs/api.md).
 * Lifting a block is not among them (a repeat would answer 404), nor is a renewal: its
 * proof is single-use, so after a lost answer only the service's refusals that did nothing (429,
 * 503) are retried.
 */
const REPEATABLE_WITHOUT_KEY: ReadonlySet<OperationId> = new Set([
  "revokeCertificate",
  "revokeToken",
  "revokeEstCredential",
  "blockEstDevice",
]);

/** Statuses with which the service says it did nothing and a later attempt may succeed. */
const RETRY_STATUSES = new Set([429, 503]);
/** A gateway's answer: the request may or may not have reached the service. */
const GATEWAY_STATUSES = new Set([502, 504]);

/**
 * The one request core: every operation is called through the contract's table (method, path,
 * authentication, idempotency, response media type and schema), with a timeout per attempt,
 * retries with backoff and jitter, `Retry-After`, and one `Idempotency-Key` per logical call.
 */
export class RequestCore {
  readonly #options: RequestCoreOptions;

  constructor(options: RequestCoreOptions) {
    this.#options = options;
  }

  async call<Id extends OperationId>(
    operationId: Id,
    input: RequestInput<Id>,
    options: CallOptions = {},
  ): Promise<ResponseOf<Id>> {
    const operation = operations[operationId];
    const context: RequestContext = {
      operationId,
      idempotencyKey: operation.idempotent ? (options.idempotencyKey ?? randomUUID()) : undefined,
    };
    const repeatable =
      operation.method === "GET" || operation.idempotent || REPEATABLE_WITHOUT_KEY.has(operationId);
    const maxRetries = options.maxRetries ?? this.#options.retry.maxRetries;
    const url = this.#url(operation.path, input);
    for (let retry = 0; ; retry++) {
      try {
        return await this.#attempt(operationId, url, input, context, options);
      } catch (error) {
        if (retry >= maxRetries || !retryable(error, repeatable)) throw error;
        const headers = error instanceof ApiError ? error.headers : undefined;
        const { retry: policy, random, now, sleep } = this.#options;
        await sleep(retryDelayMs(policy, retry, headers, random, now), options.signal).catch((cause) => {
          throw new AbortError("the call was aborted", context, { cause });
        });
      }
    }
  }

  async #attempt<Id extends OperationId>(
    operationId: Id,
    url: URL,
    input: RequestInput<Id>,
    context: RequestContext,
    options: CallOptions,
  ): Promise<ResponseOf<Id>> {
    const operation: OperationDefinition = operations[operationId];
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const failed = (cause: unknown): EdgePkiError => {
      if (cause instanceof EdgePkiError) return cause;
      if (options.signal?.aborted) return new AbortError("the call was aborted", context, { cause });
      if (timeout.aborted) return new TimeoutError(`no answer within ${timeoutMs} ms`, context, { cause });
      if (isRefusedPort(cause)) {
        return new ConnectionError(
          `cannot reach ${url.origin}: fetch refuses port ${url.port} (one of the Fetch standard's blocked ports, such as 1, 6000 and 10080); serve the CA on another port`,
          context,
          { cause },
        );
      }
      return new ConnectionError(`cannot reach ${url.origin}: ${describeCause(cause)}`, context, { cause });
    };
    try {
      const headers = await this.#headers(operationId, operation, context, signal);
      const response = await this.#options.fetch(url, {
        method: operation.method,
        headers,
        body: encodeBody(operation, input.body, headers),
        signal,
        redirect: "error",
      });
      if (response.status !== operation.success.status) {
        if (response.ok) {
          await response.body?.cancel();
          throw new InvalidResponseError(
            `expected ${operation.success.status}, the service answered ${response.status}`,
            context,
          );
        }
        throw apiErrorOf(await readProblem(response), response.headers, context);
      }
      return (await decodeBody(operation, response, context)) as ResponseOf<Id>;
    } catch (error) {
      throw failed(error);
    }
  }

  async #headers(
    operationId: OperationId,
    operation: OperationDefinition,
    context: RequestContext,
    signal: AbortSignal,
  ): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      accept: `${operation.success.mediaType}, application/problem+json`,
      "user-agent": this.#options.userAgent,
    };
    if (context.idempotencyKey !== undefined) headers["idempotency-key"] = context.idempotencyKey;
    // Tokens go only where the table says one is needed: never to public or proof-of-possession calls.
    if (operation.authentication.kind === "bearer") {
      if (this.#options.authorization === undefined) {
        throw new CredentialError(
          `${operationId} needs a credential: pass one to the EdgePkiClient`,
          context,
        );
      }
      try {
        headers.authorization = await this.#options.authorization(operationId, signal);
      } catch (cause) {
        // A timeout or the caller's abort is reported as such; anything else is the credential's.
        if (signal.aborted) throw cause;
        throw new CredentialError(`the credential gave no token: ${describeCause(cause)}`, context, {
          cause,
        });
      }
    }
    return headers;
  }

  #url(template: string, input: { params?: unknown; query?: unknown }): URL {
    const base = this.#options.baseUrl;
    const path = expandPath(template, (input.params ?? {}) as Record<string, string>);
    const url = new URL(`${base.pathname.replace(/\/+$/, "")}${path}`, base);
    for (const [name, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }
}

function retryable(error: unknown, repeatable: boolean): boolean {
  if (error instanceof AbortError) return false;
  if (error instanceof ConnectionError) return repeatable && !isRefusedPort(error.cause);
  if (error instanceof ApiError) {
    return RETRY_STATUSES.has(error.status) || (repeatable && GATEWAY_STATUSES.has(error.status));
  }
  return false;
}

function encodeBody(
  operation: OperationDefinition,
  body: unknown,
  headers: Record<string, string>,
): string | Uint8Array | undefined {
  if (operation.body === undefined) return undefined;
  headers["content-type"] = operation.body.mediaType;
  return operation.body.mediaType === "application/json" ? JSON.stringify(body) : (body as Uint8Array);
}

async function decodeBody(
  operation: OperationDefinition,
  response: Response,
  context: RequestContext,
): Promise<unknown> {
  const { mediaType, schema } = operation.success;
  if (mediaType === "application/pkix-crl") return new Uint8Array(await response.arrayBuffer());
  if (mediaType !== "application/json") return response.text();
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidResponseError("the service's answer is not JSON", context, { cause });
  }
  if (schema === undefined) return json;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidResponseError(
      `the service's answer does not match the contract: ${parsed.error.issues[0]?.message ?? ""}`,
      context,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** undici reports "fetch failed" and keeps the reason (ECONNREFUSED, a reset) in its cause. */
/**
 * Whether fetch refused the URL's port before connecting (undici's "bad port": the Fetch standard
 * blocks ports such as 1, 6000 and 10080). Nothing was sent, and a retry would be refused alike.
 */
function isRefusedPort(cause: unknown): boolean {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
  return inner instanceof Error && inner.message === "bad port";
}

function describeCause(cause: unknown): string {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
  return inner instanceof Error ? inner.message : String(inner);
}
