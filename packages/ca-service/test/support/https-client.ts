import { request } from "node:https";

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A request over HTTPS presenting a client certificate (fetch cannot): the key and the chain PEM of
 * a device. The server's own certificate is not checked; these tests are about the client's.
 */
export function httpsRequest(
  url: string,
  options: {
    key?: string;
    cert?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers,
        key: options.key,
        cert: options.cert,
        rejectUnauthorized: false,
        // A fresh TLS session each time: a resumed one would carry the previous client certificate.
        agent: false,
      },
      (incoming) => {
        let text = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => {
          text += chunk;
        });
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text }),
        );
        incoming.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}
