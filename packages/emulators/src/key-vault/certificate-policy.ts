/**
 * Certificate policies in their wire form (`key_props`, `x509_props`, `issuer`, …): validation of
 * what a client sends, and the defaults Key Vault fills in.
 */
import { badParameter } from "./errors.js";
import { EC_KEY_OPS, isEcType, type KeyType, RSA_KEY_OPS } from "./key-store.js";
import type { Curve } from "./signing.js";
import { asObject, optionalBoolean } from "./validation.js";
import { x509 } from "./x509.js";

export interface SubjectAlternativeNames {
  dns_names?: string[];
  emails?: string[];
  upns?: string[];
  uris?: string[];
  ipAddresses?: string[];
}

/** A validated policy; every field is already in Key Vault's wire form. */
export interface CertificatePolicy {
  key_props: { kty: KeyType; key_size?: number; crv?: Curve; reuse_key: boolean; exportable?: boolean };
  secret_props: { contentType: string };
  x509_props: {
    subject: string;
    sans?: SubjectAlternativeNames;
    ekus?: string[];
    key_usage?: KeyUsage[];
    validity_months: number;
  };
  lifetime_actions?: unknown[];
  issuer: { name: string; cty?: string; cert_transparency?: boolean };
}

export type KeyUsage = keyof typeof x509.KeyUsageFlags;

/** Issuer names that make Key Vault sign the certificate itself. */
export const isSelfIssuer = (policy: CertificatePolicy): boolean =>
  policy.issuer.name.toLowerCase() === "self";

/**
 * The key operations each X.509 key usage grants the certificate's key ("Mapping X.509 usage to key
 * operations" in MicrosoftDocs/azure-security-docs articles/key-vault/certificates/about-certificates.md).
 */
const USAGE_OPERATIONS: Partial<Record<KeyUsage, readonly string[]>> = {
  dataEncipherment: ["encrypt", "decrypt"],
  decipherOnly: ["decrypt"],
  digitalSignature: ["sign", "verify"],
  encipherOnly: ["encrypt"],
  keyCertSign: ["sign", "verify"],
  keyEncipherment: ["wrapKey", "unwrapKey"],
  nonRepudiation: ["sign", "verify"],
  cRLSign: ["sign", "verify"],
};

/** Key Vault's usages when a policy names none (same article: "Key Vault default"). */
const DEFAULT_KEY_USAGES: readonly KeyUsage[] = ["digitalSignature", "keyEncipherment"];

/** The operations of a certificate's key: those its policy's key usages grant that its key type has. */
export function keyOperationsFor(policy: CertificatePolicy): string[] {
  const usages = policy.x509_props.key_usage ?? DEFAULT_KEY_USAGES;
  const possible: readonly string[] = isEcType(policy.key_props.kty) ? EC_KEY_OPS : RSA_KEY_OPS;
  const granted = new Set(usages.flatMap((usage) => USAGE_OPERATIONS[usage] ?? []));
  return possible.filter((operation) => granted.has(operation));
}

const KEY_USAGES = Object.keys(x509.KeyUsageFlags).filter((k) => Number.isNaN(Number(k))) as KeyUsage[];
const OID = /^\d+(\.\d+)+$/;

/** Validates a policy from a create request; `previous` is the certificate's current policy, if any. */
export function parseCertificatePolicy(
  raw: unknown,
  previous: CertificatePolicy | undefined,
): CertificatePolicy {
  if ((raw === undefined || raw === null) && previous) return previous;
  const policy = asObject(raw, "policy");
  const keyProps = asObject(policy.key_props, "policy.key_props");
  const x509Props = asObject(policy.x509_props, "policy.x509_props");
  const issuer = asObject(policy.issuer, "policy.issuer");
  const secretProps = asObject(policy.secret_props, "policy.secret_props");

  const kty = (keyProps.kty ?? "RSA") as KeyType;
  if (!["EC", "EC-HSM", "RSA", "RSA-HSM"].includes(kty)) {
    throw badParameter(`Property 'policy.key_props.kty' has unsupported value '${String(keyProps.kty)}'.`);
  }
  const ec = kty.startsWith("EC");
  const crv = ec ? ((keyProps.crv ?? "P-256") as Curve) : undefined;
  if (crv && !["P-256", "P-384", "P-521"].includes(crv)) {
    throw badParameter(`Property 'policy.key_props.crv' has unsupported value '${crv}'.`);
  }
  const keySize = ec ? undefined : ((keyProps.key_size ?? 2048) as number);
  if (keySize !== undefined && ![2048, 3072, 4096].includes(keySize)) {
    throw badParameter(`Property 'policy.key_props.key_size' has unsupported value '${String(keySize)}'.`);
  }
  const exportable = optionalBoolean(keyProps.exportable, "policy.key_props.exportable");

  const subject = x509Props.subject;
  if (typeof subject !== "string" || subject.trim() === "") {
    throw badParameter("Property 'policy.x509_props.subject' is required.");
  }
  try {
    new x509.Name(subject);
  } catch {
    throw badParameter(`Property 'policy.x509_props.subject' is not a valid X.500 name: '${subject}'.`);
  }
  const validityMonths = x509Props.validity_months ?? 12;
  if (
    typeof validityMonths !== "number" ||
    !Number.isInteger(validityMonths) ||
    validityMonths < 1 ||
    validityMonths > 1200
  ) {
    throw badParameter("Property 'policy.x509_props.validity_months' must be an integer between 1 and 1200.");
  }
  const keyUsage = stringList(x509Props.key_usage, "policy.x509_props.key_usage");
  for (const usage of keyUsage ?? []) {
    if (!(KEY_USAGES as string[]).includes(usage)) {
      throw badParameter(`Unknown key usage '${usage}'; expected one of ${KEY_USAGES.join(", ")}.`);
    }
  }
  const ekus = stringList(x509Props.ekus, "policy.x509_props.ekus");
  for (const eku of ekus ?? []) {
    if (!OID.test(eku)) throw badParameter(`Extended key usage '${eku}' is not an OID.`);
  }

  const issuerName = issuer.name ?? "Unknown";
  if (typeof issuerName !== "string" || issuerName === "")
    throw badParameter("Property 'policy.issuer.name' is invalid.");
  if (!["self", "unknown"].includes(issuerName.toLowerCase())) {
    throw badParameter(`Issuer '${issuerName}' is not supported by this emulator; use 'Self' or 'Unknown'.`);
  }

  const sans = parseSans(x509Props.sans);
  return {
    key_props: {
      kty,
      ...(keySize === undefined ? {} : { key_size: keySize }),
      ...(crv === undefined ? {} : { crv }),
      reuse_key: optionalBoolean(keyProps.reuse_key, "policy.key_props.reuse_key") ?? false,
      ...(exportable === undefined ? {} : { exportable }),
    },
    secret_props: {
      contentType:
        typeof secretProps.contentType === "string" ? secretProps.contentType : "application/x-pkcs12",
    },
    x509_props: {
      subject,
      ...(sans ? { sans } : {}),
      ...(ekus ? { ekus } : {}),
      ...(keyUsage ? { key_usage: keyUsage as KeyUsage[] } : {}),
      validity_months: validityMonths,
    },
    ...(Array.isArray(policy.lifetime_actions) ? { lifetime_actions: policy.lifetime_actions } : {}),
    issuer: {
      name: issuerName,
      ...(typeof issuer.cty === "string" ? { cty: issuer.cty } : {}),
      ...(typeof issuer.cert_transparency === "boolean"
        ? { cert_transparency: issuer.cert_transparency }
        : {}),
    },
  };
}

function parseSans(raw: unknown): SubjectAlternativeNames | undefined {
  const sans = asObject(raw, "policy.x509_props.sans");
  const result: SubjectAlternativeNames = {};
  for (const field of ["dns_names", "emails", "upns", "uris", "ipAddresses"] as const) {
    const list = stringList(sans[field], `policy.x509_props.sans.${field}`);
    if (list && list.length > 0) result[field] = list;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function stringList(value: unknown, property: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw badParameter(`Property '${property}' must be an array of strings.`);
  }
  return value as string[];
}
