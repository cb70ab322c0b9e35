/** Key routes: create, get (latest or a version) and sign. Private key material never leaves the store. */
import { fromBase64Url } from "./encoding.js";
import { badParameter } from "./errors.js";
import {
  type CreateKeyRequest,
  EC_KEY_OPS,
  isEcType,
  type KeyStore,
  type KeyType,
  RSA_KEY_OPS,
  type StoredKey,
} from "./key-store.js";
import { objectName, objectVersion, type Route } from "./routing.js";
import { type Curve, isSigningAlgorithm, SIGNING_ALGORITHMS } from "./signing.js";
import { asObject, optionalBoolean, optionalSeconds, parseTags } from "./validation.js";

const KEY_TYPES: readonly KeyType[] = ["EC", "EC-HSM", "RSA", "RSA-HSM"];
const CURVES: readonly Curve[] = ["P-256", "P-384", "P-521"];
const RSA_SIZES = [2048, 3072, 4096];

/** Recovery settings of a soft-delete vault with 90 days of retention, as new vaults have. */
export const RECOVERY = { recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 } as const;

/** Counts successful signatures; the server wires it to its stats. */
export type SignListener = () => void;

export function keyRoutes(store: KeyStore, onSign: SignListener): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/keys\/([^/]+)\/create$/,
      handle: async ([name], ctx) => {
        const key = await store.create(objectName(name), parseCreateKey(ctx.body));
        return { status: 200, body: keyBundle(key, ctx.vaultUrl) };
      },
    },
    {
      method: "POST",
      pattern: /^\/keys\/([^/]+)(?:\/([^/]*))?\/sign$/,
      handle: ([name, version], ctx) => {
        const key = store.get(objectName(name), objectVersion(version));
        const { alg, value } = ctx.body;
        if (!isSigningAlgorithm(alg)) {
          throw badParameter(
            `Invalid or unsupported algorithm '${String(alg)}'; supported: ${SIGNING_ALGORITHMS.join(", ")}.`,
          );
        }
        const digest = typeof value === "string" ? fromBase64Url(value) : undefined;
        if (!digest) throw badParameter("Property 'value' must be a base64url-encoded digest.");
        const signature = store.sign(key, alg, digest);
        onSign();
        return {
          status: 200,
          body: { kid: keyId(key, ctx.vaultUrl), value: Buffer.from(signature).toString("base64url") },
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/keys\/([^/]+)\/?([^/]*)$/,
      handle: ([name, version], ctx) => ({
        status: 200,
        body: keyBundle(store.get(objectName(name), objectVersion(version)), ctx.vaultUrl),
      }),
    },
  ];
}

/** The versioned key identifier, on the vault URL the client called. */
export const keyId = (key: StoredKey, vaultUrl: string): string =>
  `${vaultUrl}/keys/${key.name}/${key.version}`;

/** KeyBundle as Key Vault returns it: public JWK (base64url), attributes in Unix seconds. */
export function keyBundle(key: StoredKey, vaultUrl: string): Record<string, unknown> {
  const jwk = key.publicJwk;
  const publicPart = isEcType(key.kty) ? { crv: key.crv, x: jwk.x, y: jwk.y } : { n: jwk.n, e: jwk.e };
  return {
    key: { kid: keyId(key, vaultUrl), kty: key.kty, key_ops: [...key.keyOps], ...publicPart },
    attributes: {
      enabled: key.enabled,
      ...(key.notBefore === undefined ? {} : { nbf: key.notBefore }),
      ...(key.expires === undefined ? {} : { exp: key.expires }),
      created: key.created,
      updated: key.updated,
      ...RECOVERY,
      exportable: key.exportable,
    },
    ...(key.tags ? { tags: key.tags } : {}),
    ...(key.managed ? { managed: true } : {}),
  };
}

/** Validates a `/keys/{name}/create` body (wire names) into a store request. */
export function parseCreateKey(body: Record<string, unknown>): CreateKeyRequest {
  const kty = body.kty;
  if (typeof kty !== "string" || !(KEY_TYPES as readonly string[]).includes(kty)) {
    throw badParameter(`Property 'kty' must be one of ${KEY_TYPES.join(", ")}; got '${String(kty)}'.`);
  }
  const keyType = kty as KeyType;
  const ec = isEcType(keyType);
  let crv: Curve | undefined;
  let keySize: number | undefined;
  if (ec) {
    crv = (body.crv ?? "P-256") as Curve;
    if (!CURVES.includes(crv))
      throw badParameter(`Unsupported curve '${String(body.crv)}'; supported: ${CURVES.join(", ")}.`);
    if (body.key_size !== undefined && body.key_size !== null) {
      throw badParameter("Property 'key_size' is not valid for an EC key.");
    }
  } else {
    keySize = (body.key_size ?? 2048) as number;
    if (!RSA_SIZES.includes(keySize)) {
      throw badParameter(
        `Unsupported RSA key size '${String(body.key_size)}'; supported: ${RSA_SIZES.join(", ")}.`,
      );
    }
    if (body.crv !== undefined && body.crv !== null)
      throw badParameter("Property 'crv' is not valid for an RSA key.");
  }
  const publicExponent = body.public_exponent;
  if (publicExponent !== undefined && publicExponent !== null && (ec || publicExponent !== 65537)) {
    throw badParameter("Property 'public_exponent' must be 65537 and is valid only for RSA keys.");
  }
  const keyOps = parseKeyOps(body.key_ops, ec ? EC_KEY_OPS : RSA_KEY_OPS, keyType);
  const attributes = asObject(body.attributes, "attributes");
  return {
    kty: keyType,
    crv,
    keySize,
    keyOps,
    enabled: optionalBoolean(attributes.enabled, "attributes.enabled"),
    notBefore: optionalSeconds(attributes.nbf, "attributes.nbf"),
    expires: optionalSeconds(attributes.exp, "attributes.exp"),
    exportable: optionalBoolean(attributes.exportable, "attributes.exportable"),
    tags: parseTags(body.tags),
  };
}

function parseKeyOps(value: unknown, allowed: readonly string[], kty: KeyType): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badParameter("Property 'key_ops' must be an array.");
  for (const op of value) {
    if (typeof op !== "string" || !allowed.includes(op)) {
      throw badParameter(`Key operation '${String(op)}' is not valid for key type ${kty}.`);
    }
  }
  return [...new Set(value as string[])];
}
