import { CaError } from "../../core/errors.js";
import { MAX_BODY_BYTES } from "./body-limit.js";

/** zlib's and brotli's codes for data they cannot decompress. */
const CORRUPT_COMPRESSION = /^(Z_|ERR__ERROR_|ERR_BROTLI|ERR_ZSTD)/;

/**
 * What went wrong reading a body, as the client's fault it is: a body over the limit (413), a
 * Content-Encoding or charset we do not read (415), compressed data that does not decompress or JSON
 * that does not parse (400), or a client that went away mid-body (400, to nobody). Body-parser's
 * errors carry a `type`; zlib's a `code`. Anything else is ours to look into.
 */
export function bodyReadError(error: unknown): unknown {
  const { type, code, encoding } = (error ?? {}) as { type?: string; code?: unknown; encoding?: string };
  switch (type) {
    case "entity.too.large":
      return new CaError("payload_too_large", `the request body exceeds ${MAX_BODY_BYTES} bytes`, {
        cause: error,
      });
    case "entity.parse.failed":
      return new CaError("invalid_request", "the request body is not a valid JSON object", {
        errors: [{ field: "body", message: "not a valid JSON object" }],
        cause: error,
      });
    case "encoding.unsupported":
      return new CaError(
        "unsupported_media_type",
        `the request body's Content-Encoding ${encoding ? `'${encoding}' ` : ""}is not supported: send it as it is, or as gzip, deflate or br`,
        { cause: error },
      );
    case "charset.unsupported":
      return new CaError(
        "unsupported_media_type",
        "the request body's charset is not supported: send UTF-8",
        {
          cause: error,
        },
      );
    case "request.aborted":
      return new CaError("invalid_request", "the client aborted the request before its body arrived", {
        cause: error,
      });
  }
  if (typeof code === "string" && CORRUPT_COMPRESSION.test(code)) {
    return new CaError(
      "invalid_request",
      "the request body does not decompress as its Content-Encoding says",
      {
        errors: [{ field: "body", message: "corrupt compressed data" }],
        cause: error,
      },
    );
  }
  return error;
}
