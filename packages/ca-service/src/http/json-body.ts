import express, { type Request, type Response } from "express";

export const MAX_BODY_BYTES = 64 * 1024;

const parser = express.json({ limit: MAX_BODY_BYTES, strict: true, type: "application/json" });

/**
 * Reads and parses a JSON body into `request.body`. Called only once the caller was admitted, so an
 * unauthenticated client gets its 401 without making us read (or parse) up to 64 KiB; an unread body
 * is discarded by Node. Parser failures carry a `type` the app's error handler maps.
 */
export function readJsonBody(request: Request, response: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    parser(request, response, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}
