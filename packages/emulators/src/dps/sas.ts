/**
 * DPS service-API authentication (docs `articles/iot-dps/how-to-control-access.md`):
 * `SharedAccessSignature sr=<URL-encoded host>&sig=<URL-encoded base64 HMAC-SHA256>&se=<unix seconds>&skn=<policy>`,
 * where the HMAC key is the base64-decoded SharedAccessKey and the message is `sr + "\n" + se`. A
 * Microsoft Entra ID bearer token (scope `https://azure-devices-provisioning.net/.default`) is the
 * other way in.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { unauthorized } from "./errors.js";

/** A shared access policy of the DPS instance. */
export interface AccessPolicy {
  keyName: string;
  /** base64. */
  primaryKey: string;
}

/** Decides whether a bearer token is accepted; the default accepts any non-empty one. */
export type BearerPredicate = (token: string) => boolean;

/** The signature DPS expects for `resourceUri` (as it appears in `sr`, decoded) and `expiry`. */
export function sasSignature(resourceUri: string, expiry: string, keyBase64: string): string {
  const encoded = encodeURIComponent(resourceUri);
  return createHmac("sha256", Buffer.from(keyBase64, "base64"))
    .update(`${encoded}\n${expiry}`)
    .digest("base64");
}

/**
 * Checks an Authorization header against the policies, for the host name the instance goes by;
 * throws DPS's 401 otherwise.
 */
export function authenticateService(
  header: string | undefined,
  options: {
    hostName: string;
    policies: readonly AccessPolicy[];
    acceptBearer: BearerPredicate;
    nowMs: number;
  },
): void {
  if (header === undefined || header.trim() === "") throw unauthorized("Authorization header is missing.");
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) {
    if (!options.acceptBearer(bearer[1] as string)) throw unauthorized("The bearer token is not accepted.");
    return;
  }
  const sas = /^SharedAccessSignature\s+(.+)$/i.exec(header);
  if (!sas) throw unauthorized("Authorization must be a SharedAccessSignature or a Bearer token.");
  const fields = new URLSearchParams((sas[1] as string).trim());
  const sr = fields.get("sr");
  const sig = fields.get("sig");
  const se = fields.get("se");
  const skn = fields.get("skn");
  if (!sr || !sig || !se || !skn) throw unauthorized("The SharedAccessSignature lacks sr, sig, se or skn.");
  if (!/^\d+$/.test(se) || Number(se) * 1000 <= options.nowMs) {
    throw unauthorized("The SharedAccessSignature has expired.");
  }
  const host = sr.toLowerCase().replace(/\/$/, "");
  if (host !== options.hostName.toLowerCase() && !host.startsWith(`${options.hostName.toLowerCase()}/`)) {
    throw unauthorized(`The SharedAccessSignature is for ${sr}, not ${options.hostName}.`);
  }
  const policy = options.policies.find((candidate) => candidate.keyName === skn);
  if (policy === undefined) throw unauthorized(`No shared access policy is named ${skn}.`);
  const expected = Buffer.from(sasSignature(sr, se, policy.primaryKey));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw unauthorized("The SharedAccessSignature's signature does not verify.");
  }
}
