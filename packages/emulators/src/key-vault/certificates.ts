/**
 * Certificate routes: create, pending operation, merge, policy, versions, get and update; plus their wire
 * shapes, as the SDK's recorded sessions show them (see the package README for each source).
 */
import { createHash } from "node:crypto";
import type { CertificatePolicy } from "./certificate-policy.js";
import type {
  CertificateOperation,
  CertificateStore,
  CertificateVersion,
  DeletedCertificate,
} from "./certificate-store.js";
import { toBase64, toBase64Url } from "./encoding.js";
import { RECOVERY } from "./keys.js";
import { objectName, objectVersion, type Route } from "./routing.js";
import { asObject, optionalBoolean, parseTags } from "./validation.js";

/** Real vaults answer a create, and a poll of an operation in progress, with `Retry-After: 10`. */
const POLL_AGAIN = { "retry-after": "10" };

export function certificateRoutes(store: CertificateStore): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/certificates\/([^/]+)\/create$/,
      handle: async ([rawName], ctx) => {
        const name = objectName(rawName);
        const attributes = asObject(ctx.body.attributes, "attributes");
        const operation = await store.create(name, {
          policy: ctx.body.policy,
          enabled: optionalBoolean(attributes.enabled, "attributes.enabled"),
          tags: parseTags(ctx.body.tags),
        });
        const location = `${ctx.vaultUrl}/certificates/${name}/pending?api-version=${ctx.apiVersion}&request_id=${operation.requestId}`;
        return {
          status: 202,
          body: operationBody(operation, ctx.vaultUrl),
          headers: { location, ...POLL_AGAIN },
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/certificates\/([^/]+)\/pending$/,
      handle: ([name], ctx) => {
        const operation = store.operation(objectName(name));
        return {
          status: 200,
          body: operationBody(operation, ctx.vaultUrl),
          headers: operation.status === "inProgress" ? POLL_AGAIN : {},
        };
      },
    },
    {
      method: "POST",
      pattern: /^\/certificates\/([^/]+)\/pending\/merge$/,
      handle: ([rawName], ctx) => {
        const attributes = asObject(ctx.body.attributes, "attributes");
        const name = objectName(rawName);
        const version = store.merge(name, {
          x5c: ctx.body.x5c,
          enabled: optionalBoolean(attributes.enabled, "attributes.enabled"),
          tags: parseTags(ctx.body.tags),
        });
        return {
          status: 201,
          body: {
            ...certificateBundle(version, policyOf(store, name), ctx.vaultUrl),
            pending: { id: `${ctx.vaultUrl}/certificates/${name}/pending` },
          },
          headers: { location: `${ctx.vaultUrl}/certificates/${name}?api-version=${ctx.apiVersion}` },
        };
      },
    },
    {
      method: "DELETE",
      pattern: /^\/certificates\/([^/]+)$/,
      handle: ([name], ctx) => ({
        status: 200,
        body: deletedBundle(store.delete(objectName(name)), ctx.vaultUrl),
      }),
    },
    {
      method: "GET",
      pattern: /^\/deletedcertificates\/([^/]+)$/,
      handle: ([name], ctx) => ({
        status: 200,
        body: deletedBundle(store.deletedCertificate(objectName(name)), ctx.vaultUrl),
      }),
    },
    {
      method: "DELETE",
      pattern: /^\/deletedcertificates\/([^/]+)$/,
      handle: ([name]) => {
        store.purge(objectName(name));
        return { status: 204, body: undefined };
      },
    },
    {
      method: "GET",
      pattern: /^\/certificates\/([^/]+)\/policy$/,
      handle: ([name], ctx) => ({ status: 200, body: policyOf(store, objectName(name))(ctx.vaultUrl) }),
    },
    {
      method: "GET",
      pattern: /^\/certificates\/([^/]+)\/versions$/,
      handle: ([name], ctx) => ({
        status: 200,
        body: {
          value: store.versions(objectName(name)).map((version) => certificateItem(version, ctx.vaultUrl)),
          nextLink: null,
        },
      }),
    },
    {
      method: "PATCH",
      pattern: /^\/certificates\/([^/]+)\/([^/]*)$/,
      handle: ([name, version], ctx) => {
        const attributes = asObject(ctx.body.attributes, "attributes");
        const updated = store.update(objectName(name), objectVersion(version), {
          enabled: optionalBoolean(attributes.enabled, "attributes.enabled"),
          tags: parseTags(ctx.body.tags),
        });
        return {
          status: 200,
          body: certificateBundle(updated, policyOf(store, updated.name), ctx.vaultUrl),
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/certificates\/([^/]+)\/?([^/]*)$/,
      handle: ([name, version], ctx) => {
        const certificate = store.get(objectName(name), objectVersion(version));
        return {
          status: 200,
          body: certificateBundle(certificate, policyOf(store, certificate.name), ctx.vaultUrl),
        };
      },
    },
  ];
}

type PolicyRenderer = (vaultUrl: string) => Record<string, unknown>;

function policyOf(store: CertificateStore, name: string): PolicyRenderer {
  const { policy, created, updated } = store.policy(name);
  return (vaultUrl) => policyBody(name, policy, created, updated, vaultUrl);
}

/** The policy as Key Vault returns it, with its own id and attributes. */
export function policyBody(
  name: string,
  policy: CertificatePolicy,
  created: number,
  updated: number,
  vaultUrl: string,
): Record<string, unknown> {
  return {
    id: `${vaultUrl}/certificates/${name}/policy`,
    ...policy,
    attributes: { enabled: true, created, updated },
  };
}

/** CertificateOperation: `csr` is standard base64 of the DER request. */
export function operationBody(operation: CertificateOperation, vaultUrl: string): Record<string, unknown> {
  return {
    id: `${vaultUrl}/certificates/${operation.name}/pending`,
    issuer: operation.issuer,
    csr: toBase64(operation.csr),
    cancellation_requested: false,
    status: operation.status,
    status_details: operation.statusDetails,
    ...(operation.status === "completed" ? { target: `${vaultUrl}/certificates/${operation.name}` } : {}),
    request_id: operation.requestId,
  };
}

/** CertificateItem (one entry of a version listing): no `cer`, `x5t` only once issued. */
function certificateItem(certificate: CertificateVersion, vaultUrl: string): Record<string, unknown> {
  const { name, version, cer } = certificate;
  return {
    id: `${vaultUrl}/certificates/${name}/${version}`,
    ...(cer ? { x5t: toBase64Url(createHash("sha1").update(cer).digest()) } : {}),
    attributes: {
      enabled: certificate.enabled,
      nbf: certificate.notBefore,
      exp: certificate.expires,
      created: certificate.created,
      updated: certificate.updated,
      ...RECOVERY,
    },
    ...(certificate.tags ? { tags: certificate.tags } : {}),
  };
}

/** DeletedCertificateBundle: the latest version's bundle, with where and until when it can be recovered. */
function deletedBundle(deleted: DeletedCertificate, vaultUrl: string): Record<string, unknown> {
  const { name } = deleted.latest;
  const { policy, created, updated } = deleted.policy;
  return {
    ...certificateBundle(deleted.latest, (url) => policyBody(name, policy, created, updated, url), vaultUrl),
    recoveryId: `${vaultUrl}/deletedcertificates/${name}`,
    deletedDate: deleted.deletedDate,
    scheduledPurgeDate: deleted.scheduledPurgeDate,
  };
}

/**
 * CertificateBundle. Completed: the item plus `cer` (base64 DER), `kid` (the backing key version),
 * `sid` and the policy. Pending: no `kid`, `sid`, `x5t` or `cer`, but `pending: { id }`, as the
 * recorded GET of a pending certificate shows.
 */
export function certificateBundle(
  certificate: CertificateVersion,
  policy: PolicyRenderer,
  vaultUrl: string,
): Record<string, unknown> {
  const { name, version, cer } = certificate;
  const item = certificateItem(certificate, vaultUrl);
  if (!cer) {
    return { ...item, policy: policy(vaultUrl), pending: { id: `${vaultUrl}/certificates/${name}/pending` } };
  }
  return {
    ...item,
    kid: `${vaultUrl}/keys/${name}/${version}`,
    sid: `${vaultUrl}/secrets/${name}/${version}`,
    cer: toBase64(cer),
    policy: policy(vaultUrl),
  };
}
