import type { Answer } from "../service.js";

/**
 * POSTs a body as bytes (`call` sends text, which fetch encodes as UTF-8): compressed and
 * non-UTF-8 bodies arrive exactly as built. Answers as `call` does.
 */
export async function postBytes(
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
): Promise<Answer<unknown>> {
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    body: parsed,
    problem: parsed as Answer<unknown>["problem"],
    text,
  };
}
