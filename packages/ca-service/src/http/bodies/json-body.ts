import express, { type Request, type Response } from "express";
import { MAX_BODY_BYTES } from "./body-limit.js";
import { bodyReadError } from "./body-read-error.js";

const parser = express.json({ limit: MAX_BODY_BYTES, strict: true, type: "application/json" });

/**
 * Reads and parses a JSON body; a failure is the client's problem to fix (see `bodyReadError`).
 */
export function readJsonBody(request: Request, response: Response): Promise<unknown> {
  return new Promise((resolve, reject) => {
    parser(request, response, (error?: unknown) =>
      error ? reject(bodyReadError(error)) : resolve(request.body),
    );
  });
}
