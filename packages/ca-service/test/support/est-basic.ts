import type { CreatedEstCredential, OperationDefinition } from "@edge-pki/api-contract";
import { expect } from "vitest";
import { z } from "zod";
import { assertMayIssueFor } from "../../src/core/authorize.js";
import { identityOf } from "../../src/core/principal.js";
import type { Handlers } from "../../src/http/handler.js";
import { call, type TestService } from "./service.js";

/**
 * An operation of the tests' own that declares Basic, as the EST endpoints do: it answers who the
 * credential says the caller is, once the caller may enroll `deviceId`.
 */
export const estBasicTable = {
  enrollAs: {
    method: "GET",
    path: "/test/est/{deviceId}",
    summary: "Who the EST credential says the caller is, if it may enroll the device",
    tags: ["test"],
    authentication: { kind: "basic", permissions: ["est:enroll"] },
    idempotent: false,
    params: z.strictObject({ deviceId: z.string() }),
    success: {
      status: 200,
      description: "The caller",
      mediaType: "application/json",
      schema: z.object({
        identity: z.string(),
        roles: z.array(z.string()),
        devicePrefix: z.string().nullable(),
        deviceId: z.string().nullable(),
      }),
    },
    problems: {},
  },
  // Basic, but requiring what only the JSON API's issuers hold: an EST credential never has it.
  issueAs: {
    method: "GET",
    path: "/test/issue",
    summary: "An operation that takes Basic but wants an issuer",
    tags: ["test"],
    authentication: { kind: "basic", permissions: ["certificates:issue"] },
    idempotent: false,
    success: { status: 200, description: "Never", mediaType: "application/json", schema: z.object({}) },
    problems: {},
  },
} as const satisfies Record<string, OperationDefinition>;

export type EnrollAs = z.infer<typeof estBasicTable.enrollAs.success.schema>;

export const estBasicHandlers: Handlers<typeof estBasicTable> = {
  enrollAs: async ({ principal, params }) => {
    assertMayIssueFor(principal, params.deviceId, "csr");
    return {
      body: {
        identity: identityOf(principal),
        roles: [...principal.roles],
        devicePrefix: principal.devicePrefix ?? null,
        deviceId: principal.deviceId ?? null,
      },
    };
  },
  issueAs: async () => ({ body: {} }),
};

/** `Authorization: Basic` as IoT Edge sends it. */
export function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` };
}

/** Creates an EST credential through the API as the service's admin. */
export async function createEstCredential(
  service: TestService,
  body: Record<string, unknown>,
): Promise<CreatedEstCredential> {
  const created = await call<CreatedEstCredential>(`${service.url}/v1/est/credentials`, {
    token: service.adminToken,
    body,
  });
  expect(created.status, created.text).toBe(201);
  return created.body;
}

/** Revokes one through the API as the service's admin. */
export async function revokeEstCredential(service: TestService, id: string): Promise<void> {
  const revoked = await call(`${service.url}/v1/est/credentials/${id}/revoke`, {
    method: "POST",
    token: service.adminToken,
  });
  expect(revoked.status, revoked.text).toBe(200);
}
