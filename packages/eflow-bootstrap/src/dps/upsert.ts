import { BootstrapError } from "../errors.js";

/** What a create-or-update did. */
export type UpsertOutcome = "created" | "updated";

/** The HTTP status an azure-iot SDK error carries (on its `response`), if any. */
export function statusOf(error: unknown): number | undefined {
  const failure = error as { response?: { statusCode?: number }; statusCode?: number };
  return failure?.response?.statusCode ?? failure?.statusCode;
}

const ATTEMPTS = 3;

/**
 * Create-or-update with etags, so that a re-run converges: read the record; absent, create it
 * without `If-Match`; present, update it with its etag. `desired` builds the body from what was read
 * (read-modify-write: fields it does not set are kept). DPS answers 409 to a create that lost a race
 * and 412 to an update over a changed record: both read again, a bounded number of times.
 */
export async function upsertWithEtag<Record extends { etag?: string }>(
  what: string,
  operations: {
    get(): Promise<Record | undefined>;
    put(body: Record): Promise<Record>;
  },
  desired: (existing: Record | undefined) => Record,
): Promise<{ outcome: UpsertOutcome; record: Record }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let existing: Record | undefined;
    try {
      existing = await operations.get();
    } catch (error) {
      throw dpsRefused(what, error);
    }
    const wanted = withoutReadOnly(desired(existing));
    const body = existing?.etag === undefined ? withoutEtag(wanted) : { ...wanted, etag: existing.etag };
    try {
      return { outcome: existing === undefined ? "created" : "updated", record: await operations.put(body) };
    } catch (error) {
      const status = statusOf(error);
      if (status !== 409 && status !== 412) throw dpsRefused(what, error);
      lastError = error;
    }
  }
  throw dpsRefused(what, lastError);
}

/** `get` for the SDK's getters: undefined on 404. */
export async function orUndefined<Result>(
  promise: Promise<{ responseBody: Result }>,
): Promise<Result | undefined> {
  try {
    return (await promise).responseBody;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

export function dpsRefused(what: string, error: unknown): BootstrapError {
  const status = statusOf(error);
  if (status === undefined && error instanceof Error) {
    // No answer at all (refused connection, DNS, TLS trust): not a refusal, and not DPS's words.
    return new BootstrapError("dps_unreachable", `DPS could not be reached for ${what}: ${error.message}`, {
      cause: error,
    });
  }
  return new BootstrapError(
    "dps_refused",
    `DPS refused ${what}${status ? ` (${status})` : ""}: ${dpsMessage(error)}`,
    { cause: error },
  );
}

/**
 * DPS's own words, short: the azure-iot clients put the JSON body (`Error: {"errorCode":401002,
 * "trackingId":…,"message":…,"timestampUtc":…}`) in the error's message; its message and errorCode
 * are what an operator needs.
 */
function dpsMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  try {
    // "Error: {…}" (the client prefixes the class name), or the body alone.
    const body = JSON.parse(text.slice(text.indexOf("{"))) as {
      message?: unknown;
      errorCode?: unknown;
      Message?: unknown;
    };
    const message = body.message ?? body.Message;
    if (typeof message === "string") {
      return `${message}${body.errorCode !== undefined ? ` (errorCode ${String(body.errorCode)})` : ""}`;
    }
  } catch {
    // Not JSON: the text as it is.
  }
  return text.replace(/\s*\n\s*/g, " ");
}

/** DPS sets these itself; a body read back carries them. */
const READ_ONLY = ["createdDateTimeUtc", "lastUpdatedDateTimeUtc", "registrationState"] as const;

function withoutReadOnly<Record extends object>(record: Record): Record {
  const copy = { ...record } as { [key: string]: unknown };
  for (const field of READ_ONLY) delete copy[field];
  return copy as Record;
}

function withoutEtag<Record extends { etag?: string }>(record: Record): Record {
  const { etag: _etag, ...rest } = record;
  return rest as Record;
}
