import type { RequestBodySpec } from "@edge-pki/api-contract";
import type { Request, Response } from "express";
import { CaError } from "../../core/errors.js";
import { MAX_BODY_BYTES } from "./body-limit.js";
import { readJsonBody } from "./json-body.js";
import { readPkcs10Body } from "./pkcs10-body.js";

const READERS: Record<
  RequestBodySpec["mediaType"],
  (request: Request, response: Response) => Promise<unknown>
> = {
  "application/json": readJsonBody,
  "application/pkcs10": readPkcs10Body,
};

const DESCRIPTIONS: Record<RequestBodySpec["mediaType"], string> = {
  "application/json": "JSON (Content-Type: application/json)",
  "application/pkcs10": "a PKCS#10 request (Content-Type: application/pkcs10), DER or base64",
};

/**
 * Reads the body an operation declares. The size limit holds whatever the body claims to be, and
 * only the declared media type is read: anything else is 415 before a byte is parsed.
 */
export async function readBody(
  spec: RequestBodySpec,
  request: Request,
  response: Response,
): Promise<unknown> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    throw new CaError("payload_too_large", `the request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  // An empty body is missing (400), whatever type it claims: JSON's schema says which fields.
  const empty = declared === 0 && request.headers["transfer-encoding"] === undefined;
  if (empty && spec.mediaType === "application/json") return undefined;
  if (empty) {
    const message = "the request body is missing: send a PKCS#10 request";
    throw new CaError("invalid_request", message, { errors: [{ field: "body", message }] });
  }
  if (!request.is(spec.mediaType)) {
    throw new CaError("unsupported_media_type", `the request body must be ${DESCRIPTIONS[spec.mediaType]}`);
  }
  return READERS[spec.mediaType](request, response);
}
