import type { OperationDefinition } from "@edge-pki/api-contract";

const CERTS_ONLY = "application/pkcs7-mime; smime-type=certs-only";

/**
 * EST's three mandatory operations (RFC 7030 §3.2.2), described as the gate admits operations.
 * They are served under /.well-known/est, not the v1 API: their wire format (base64 PKCS#7, plain
 * text errors) is the RFC's, so they are not in the API's table or its OpenAPI document.
 */
export const EST_OPERATIONS = {
  cacerts: {
    method: "GET",
    path: "/.well-known/est/cacerts",
    summary: "The issuing intermediate and the root, certs-only PKCS#7",
    tags: ["est"],
    authentication: { kind: "none" },
    idempotent: false,
    success: { status: 200, description: "CA certificates", mediaType: CERTS_ONLY },
    problems: {},
  },
  simpleenroll: {
    method: "POST",
    path: "/.well-known/est/simpleenroll",
    summary: "Enrol: a device identity, an EST identity or an Edge CA",
    tags: ["est"],
    authentication: { kind: "client-certificate" },
    idempotent: false,
    body: { mediaType: "application/pkcs10" },
    success: { status: 200, description: "The issued certificate", mediaType: CERTS_ONLY },
    problems: {},
  },
  simplereenroll: {
    method: "POST",
    path: "/.well-known/est/simplereenroll",
    summary: "Renew the TLS client certificate",
    tags: ["est"],
    authentication: { kind: "client-certificate" },
    idempotent: false,
    body: { mediaType: "application/pkcs10" },
    success: { status: 200, description: "The renewed certificate", mediaType: CERTS_ONLY },
    problems: {},
  },
} as const satisfies Record<string, OperationDefinition>;

export type EstOperation = keyof typeof EST_OPERATIONS;
