import { Agent, request } from "node:http";

export interface PostOutcome {
  status: number;
  body: string;
}

/**
 * A JSON POST over a kept-alive connection: node:http rather than fetch, so the load generator,
 * which shares the machine with the server it measures, spends as little CPU per request as it can.
 * Rejects on a network error and when `signal` aborts (a deadline).
 */
export function postJson(
  agent: Agent,
  url: URL,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<PostOutcome> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: "POST",
        agent,
        signal,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** One pool of connections per run, as many as the concurrency. */
export function keepAliveAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency });
}
