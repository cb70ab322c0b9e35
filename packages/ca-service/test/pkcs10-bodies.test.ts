import { readFile } from "node:fs/promises";
import type { OperationDefinition } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { z } from "zod";
import { verifyCsr } from "../src/core/csr.js";
import type { Handlers } from "../src/http/handler.js";
import { test } from "./support/fixtures.js";
import { openssl, opensslCsr } from "./support/openssl.js";

/** An operation of this test's own that takes `application/pkcs10`, as EST's enrollment will. */
const table = {
  readCsr: {
    method: "POST",
    path: "/test/csr",
    summary: "What the PKCS#10 body says",
    tags: ["test"],
    authentication: { kind: "none" },
    idempotent: false,
    body: { mediaType: "application/pkcs10" },
    success: {
      status: 200,
      description: "The request's CN and key",
      mediaType: "application/json",
      schema: z.object({ commonNames: z.array(z.string()), keyAlgorithm: z.string() }),
    },
    problems: { 400: "Not a PKCS#10 request", 413: "Body over 64 KiB", 415: "Not application/pkcs10" },
  },
} as const satisfies Record<string, OperationDefinition>;

const handlers: Handlers<typeof table> = {
  readCsr: async ({ body }) => {
    const csr = await verifyCsr(body);
    return { body: { commonNames: csr.commonNames, keyAlgorithm: csr.keyAlgorithm } };
  },
};

const it = test
  // A request made by openssl, as DER: the body every form below is made from.
  .extend("der", { scope: "file" }, async ({ dataDir }) => {
    const { csrPath } = await opensslCsr(dataDir, "/CN=est-device-1");
    await openssl(["req", "-in", csrPath, "-outform", "DER", "-out", `${csrPath}.der`]);
    return readFile(`${csrPath}.der`);
  })
  // Posts a body to readCsr, served over the file's service, as application/pkcs10 unless told.
  .extend("post", async ({ serveOperations }) => {
    const server = await serveOperations(table, handlers);
    return async (body: Uint8Array | string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${server.url}/test/csr`, {
        method: "POST",
        headers: { "content-type": "application/pkcs10", ...headers },
        body,
      });
      const answer = (await response.json()) as { code?: string; detail?: string; commonNames?: string[] };
      return { status: response.status, type: response.headers.get("content-type"), body: answer };
    };
  });

/** base64 in lines of `width` characters, each ending in `eol`, as EST clients send it. */
const wrapped = (bytes: Uint8Array, width: number, eol: string) =>
  (
    Buffer.from(bytes)
      .toString("base64")
      .match(new RegExp(`.{1,${width}}`, "g")) ?? []
  ).join(eol) + eol;

describe("application/pkcs10 bodies", () => {
  it("takes DER, and base64 of DER however it is wrapped, ignoring Content-Transfer-Encoding", async ({
    der,
    post,
  }) => {
    const forms: Record<string, [Uint8Array | string, Record<string, string>]> = {
      DER: [der, {}],
      "base64, 64-character lines ending in LF (IoT Edge)": [wrapped(der, 64, "\n"), {}],
      "base64, 76-character lines ending in CRLF": [wrapped(der, 76, "\r\n"), {}],
      "base64 on one line, no newline (strongSwan pki, RFC 8951)": [der.toString("base64"), {}],
      "base64 with Content-Transfer-Encoding: base64 (RFC 7030)": [
        wrapped(der, 64, "\n"),
        { "content-transfer-encoding": "base64" },
      ],
      "DER with a Content-Transfer-Encoding that lies": [der, { "content-transfer-encoding": "base64" }],
      "base64 broken by spaces and tabs": [wrapped(der, 16, " \t"), {}],
    };
    for (const [form, [body, headers]] of Object.entries(forms)) {
      const answer = await post(body, headers);
      expect({ form, status: answer.status, body: answer.body }).toEqual({
        form,
        status: 200,
        body: { commonNames: ["est-device-1"], keyAlgorithm: "ECDSA_P256" },
      });
    }
  });

  it("refuses what is not a PKCS#10 request with 400 problem+json", async ({ der, post }) => {
    const cases: Record<string, Uint8Array | string> = {
      "text that is not base64": "hello, CA!",
      "base64 of something else": Buffer.from("not a request").toString("base64"),
      "DER with trailing bytes": Buffer.concat([der, Buffer.from([0, 0])]),
      "truncated DER": der.subarray(0, der.length - 10),
      "a PEM request (this body takes DER or base64)": `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`,
    };
    for (const [name, body] of Object.entries(cases)) {
      const answer = await post(body);
      expect({ name, status: answer.status, type: answer.type, code: answer.body.code }).toEqual({
        name,
        status: 400,
        type: expect.stringContaining("application/problem+json"),
        code: "invalid_csr",
      });
    }
  });

  it("an empty body is 400, another media type 415, over 64 KiB 413", async ({ der, post }) => {
    expect(await post(new Uint8Array(0))).toMatchObject({ status: 400, body: { code: "invalid_request" } });
    expect(await post(der, { "content-type": "application/json" })).toMatchObject({
      status: 415,
      body: { code: "unsupported_media_type", detail: expect.stringContaining("application/pkcs10") },
    });
    expect(await post("A".repeat(65 * 1024))).toMatchObject({
      status: 413,
      body: { code: "payload_too_large" },
    });
  });
});
