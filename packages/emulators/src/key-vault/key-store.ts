/**
 * In-memory key store: named keys with versions whose material never changes (their attributes
 * may, as Key Vault's update-key does, and a certificate's key mirrors its certificate). Private
 * material stays in here; callers get public JWKs, signatures and (for the certificate flow) a
 * WebCrypto handle.
 */
import { generateKeyPair, type JsonWebKey, type KeyObject, randomBytes, webcrypto } from "node:crypto";
import { promisify } from "node:util";
import { fromBase64Url } from "./encoding.js";
import { KeyVaultError, keyNotFound } from "./errors.js";
import { type Curve, type SigningAlgorithm, type SigningKey, signDigest } from "./signing.js";

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeyType = "EC" | "EC-HSM" | "RSA" | "RSA-HSM";

/** What a caller asks for; validated by the route before it reaches the store. */
export interface CreateKeyRequest {
  kty: KeyType;
  crv?: Curve | undefined;
  keySize?: number | undefined;
  publicExponent?: number | undefined;
  keyOps?: string[] | undefined;
  enabled?: boolean | undefined;
  notBefore?: number | undefined;
  expires?: number | undefined;
  exportable?: boolean | undefined;
  tags?: Record<string, string> | undefined;
  /** True for keys Key Vault creates behind a certificate. */
  managed?: boolean | undefined;
  /** Version id to use; certificates share their version id with their key. Default: random. */
  version?: string | undefined;
}

/** One key version: fixed material, attributes that a certificate's lifecycle changes. */
export interface StoredKey {
  readonly name: string;
  readonly version: string;
  readonly kty: KeyType;
  readonly crv: Curve | undefined;
  readonly keySize: number | undefined;
  readonly keyOps: readonly string[];
  enabled: boolean;
  /** Unix seconds. */
  notBefore: number | undefined;
  expires: number | undefined;
  readonly created: number;
  updated: number;
  readonly exportable: boolean;
  readonly tags: Record<string, string> | undefined;
  readonly managed: boolean;
  /** Public JWK members (x, y or n, e) as Node exports them, base64url. */
  readonly publicJwk: JsonWebKey;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly signingKey: SigningKey;
}

export const EC_KEY_OPS = ["sign", "verify"] as const;
export const RSA_KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"] as const;

/** The attributes a key version shares with its certificate version (about-certificates.md). */
export interface KeyAttributes {
  enabled: boolean;
  notBefore: number | undefined;
  expires: number | undefined;
}

const forbidden = (message: string): KeyVaultError => new KeyVaultError(403, "Forbidden", message);

export const isEcType = (kty: KeyType): boolean => kty === "EC" || kty === "EC-HSM";

/** Named keys, each a list of versions with the newest last. */
export class KeyStore {
  readonly #keys = new Map<string, StoredKey[]>();
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Generates fresh key material and stores it as a new version of `name`. */
  async create(name: string, request: CreateKeyRequest): Promise<StoredKey> {
    const { publicKey, privateKey } = isEcType(request.kty)
      ? await generateKeyPairAsync("ec", { namedCurve: request.crv ?? "P-256" })
      : await generateKeyPairAsync("rsa", {
          modulusLength: request.keySize ?? 2048,
          publicExponent: request.publicExponent ?? 65537,
        });
    return this.#store(name, request, publicKey, privateKey);
  }

  /** Stores a new version of `name` that reuses the material of `source` (certificate `reuse_key`). */
  addVersionFrom(name: string, source: StoredKey, request: CreateKeyRequest): StoredKey {
    return this.#store(name, request, source.publicKey, source.privateKey);
  }

  /** The named version, or the latest when `version` is empty; throws KeyNotFound. */
  get(name: string, version?: string): StoredKey {
    const versions = this.#keys.get(name);
    const found = version ? versions?.find((k) => k.version === version) : versions?.at(-1);
    if (!found) throw keyNotFound(version ? `${name}/${version}` : name);
    return found;
  }

  /** The latest version of `name`, if any. */
  latest(name: string): StoredKey | undefined {
    return this.#keys.get(name)?.at(-1);
  }

  /** Changes a version's attributes (a certificate version completing mirrors onto its key). */
  setAttributes(key: StoredKey, attributes: KeyAttributes): void {
    key.enabled = attributes.enabled;
    key.notBefore = attributes.notBefore;
    key.expires = attributes.expires;
    key.updated = Math.floor(this.#clock() / 1000);
  }

  /** Forgets every version of `name` (its certificate was deleted). */
  removeAll(name: string): void {
    this.#keys.delete(name);
  }

  /** Forgets one version (a merge replaces the pending version with one of a new id). */
  remove(key: StoredKey): void {
    const versions = this.#keys.get(key.name)?.filter((candidate) => candidate !== key) ?? [];
    if (versions.length > 0) this.#keys.set(key.name, versions);
    else this.#keys.delete(key.name);
  }

  /**
   * Signs a digest with one version; key state checks come first, as in Key Vault: a disabled
   * version (a pending certificate's key is one) is refused with 403 and innererror `KeyDisabled`
   * (Azure/azure-sdk-for-python#45342 quotes the server's answer).
   */
  sign(key: StoredKey, alg: SigningAlgorithm, digest: Uint8Array): Uint8Array {
    const now = Math.floor(this.#clock() / 1000);
    if (!key.enabled) {
      throw new KeyVaultError(
        403,
        "Forbidden",
        "Operation sign is not allowed on a disabled key.",
        "KeyDisabled",
      );
    }
    if (!key.keyOps.includes("sign")) throw forbidden("Operation sign is not permitted on this key.");
    if (key.notBefore !== undefined && now < key.notBefore) {
      throw forbidden("Operation sign is not allowed on a key that is not yet valid (nbf).");
    }
    if (key.expires !== undefined && now > key.expires) {
      throw forbidden("Operation sign is not allowed on an expired key.");
    }
    return signDigest(key.signingKey, alg, digest);
  }

  /** A non-extractable WebCrypto signing key for building CSRs and self-signed certificates. */
  async webCryptoPair(key: StoredKey): Promise<webcrypto.CryptoKeyPair> {
    const algorithm = isEcType(key.kty)
      ? { name: "ECDSA", namedCurve: key.crv ?? "P-256" }
      : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    const pkcs8 = key.privateKey.export({ format: "der", type: "pkcs8" });
    const spki = key.publicKey.export({ format: "der", type: "spki" });
    const [privateKey, publicKey] = await Promise.all([
      webcrypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]),
      webcrypto.subtle.importKey("spki", spki, algorithm, true, ["verify"]),
    ]);
    return { privateKey, publicKey } as webcrypto.CryptoKeyPair;
  }

  #store(name: string, request: CreateKeyRequest, publicKey: KeyObject, privateKey: KeyObject): StoredKey {
    const jwk = publicKey.export({ format: "jwk" });
    const signingKey = signingKeyOf(jwk, privateKey);
    const now = Math.floor(this.#clock() / 1000);
    const key: StoredKey = {
      name,
      version: request.version ?? randomBytes(16).toString("hex"),
      kty: request.kty,
      crv: signingKey.kind === "EC" ? signingKey.curve : undefined,
      keySize: signingKey.kind === "RSA" ? signingKey.modulusBits : undefined,
      keyOps: request.keyOps ?? (signingKey.kind === "EC" ? EC_KEY_OPS : RSA_KEY_OPS),
      enabled: request.enabled ?? true,
      notBefore: request.notBefore,
      expires: request.expires,
      created: now,
      updated: now,
      exportable: request.exportable ?? false,
      tags: request.tags,
      managed: request.managed ?? false,
      publicJwk: jwk,
      publicKey,
      privateKey,
      signingKey,
    };
    const versions = this.#keys.get(name) ?? [];
    versions.push(key);
    this.#keys.set(name, versions);
    return key;
  }
}

/** The signer's view of a generated key pair: the EC scalar, or the RSA key and its modulus size. */
function signingKeyOf(publicJwk: JsonWebKey, privateKey: KeyObject): SigningKey {
  if (publicJwk.kty === "EC") {
    const d = fromBase64Url(privateKey.export({ format: "jwk" }).d ?? "");
    if (!d || d.length === 0) throw new Error("generated EC key has no private scalar");
    return { kind: "EC", curve: publicJwk.crv as Curve, d };
  }
  return { kind: "RSA", privateKey, modulusBits: (fromBase64Url(publicJwk.n ?? "")?.length ?? 0) * 8 };
}
