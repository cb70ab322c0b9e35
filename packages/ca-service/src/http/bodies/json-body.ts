import express, { type Request, type Response } from "express";
import { MAX_BODY_BYTES } from "./body-limit.js";

const parser = express.json({ limit: MAX_BODY_BYTES, strict: true, type: "application/json" });

/**
 * Reads and parses a JSON body. Parser failures carry a `type` the app's error handler maps
 * (413, 400, 415).
 */
export function readJsonBody(request: Request, response: Response): Promise<unknown> {
  return new Promise((resolve, reject) => {
    parser(request, response, (error?: unknown) => (error ? reject(error) : resolve(request.body)));
  });
}
