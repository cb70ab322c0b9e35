import express, { type Request, type Response } from "express";
import { CaError } from "../../core/errors.js";
import { MAX_BODY_BYTES } from "./body-limit.js";
import { bodyReadError } from "./body-read-error.js";

const parser = express.raw({ limit: MAX_BODY_BYTES, type: "application/pkcs10" });

/** DER always starts with a SEQUENCE tag; base64 of it with 'M', never with this byte. */
const SEQUENCE_TAG = 0x30;
/** RFC 8951 §3: CR, LF, space and tab may appear anywhere in the base64. */
const BASE64_WITH_BREAKS = /^[A-Za-z0-9+/\r\n\t ]*={0,2}[\r\n\t ]*$/;

/**
 * Reads an `application/pkcs10` body: DER, or base64 of DER (EST's form, RFC 7030 §4.2.1). Any
 * Content-Transfer-Encoding header is ignored, as RFC 8951 requires; the bytes say which form they
 * are. Whether the DER is a valid request is the CSR parser's question.
 */
export async function readPkcs10Body(request: Request, response: Response): Promise<Uint8Array> {
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    parser(request, response, (error?: unknown) =>
      error
        ? reject(bodyReadError(error))
        : resolve(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)),
    );
  });
  if (bytes[0] === SEQUENCE_TAG) return new Uint8Array(bytes);
  const text = bytes.toString("latin1");
  if (!BASE64_WITH_BREAKS.test(text)) {
    const message = "the body is neither DER nor base64 of DER";
    throw new CaError("invalid_csr", message, { errors: [{ field: "body", message }] });
  }
  return new Uint8Array(Buffer.from(text.replace(/[\r\n\t ]+/g, ""), "base64"));
}
