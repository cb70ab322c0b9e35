import { webcrypto } from "node:crypto";
import type { IssueCredentialsRequest, IssuedCertificate, IssuedCredentials } from "@edge-pki/api-contract";
import { assertMayIssueFor } from "../core/authorize.js";
import { assertValidDeviceId } from "../core/device-id.js";
import { CaError } from "../core/errors.js";
import { keyGenParamsFor } from "../core/key-algorithms.js";
import { identityOf, type Principal } from "../core/principal.js";
import { x509 } from "../core/x509.js";
import { buildPfx } from "../crypto/pkcs12.js";
import { type IdempotencyRecorder, type IdempotencyRequest, runIdempotent } from "./idempotency.js";
import type { ServiceContext } from "./service-context.js";
import { signAndRecord } from "./sign-and-record.js";

/**
 * For manufacturing lines that inject keys: the service generates the device key, issues its
 * certificate and returns both. The key exists only in this response; it is never stored or logged.
 *
 * With an `Idempotency-Key`, the stored response is the certificate part only: keeping the private
 * key in the database for replays would defeat "never stored". A retry therefore cannot get the
 * key back; it gets 409 naming the serial number, and the line must discard that certificate (or
 * revoke it) and ask again with a new key.
 */
export async function issueCredentials(
  context: ServiceContext,
  request: IssueCredentialsRequest,
  principal: Principal,
  idempotency?: IdempotencyRequest,
): Promise<IssuedCredentials> {
  // Before a retry is answered too: a replay must not hand out what the caller may not issue.
  assertValidDeviceId(request.deviceId);
  assertMayIssueFor(principal, request.deviceId, "generated-key");
  return runIdempotent(context, identityOf(principal), idempotency, {
    perform: (record) => generateAndIssue(context, request, principal, record),
    replay: async (stored) => {
      const { serialNumber } = stored.body as IssuedCertificate;
      throw new CaError(
        "credentials_already_issued",
        `credentials already issued for this key; the private key is returned only once (serial number ${serialNumber})`,
        { extensions: { serialNumber } },
      );
    },
  });
}

async function generateAndIssue(
  context: ServiceContext,
  request: IssueCredentialsRequest,
  principal: Principal,
  record: IdempotencyRecorder | undefined,
): Promise<IssuedCredentials> {
  const keyAlgorithm = request.keyAlgorithm ?? "ECDSA_P256";
  const pair = (await webcrypto.subtle.generateKey(keyGenParamsFor(keyAlgorithm), true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const publicKeySpki = new Uint8Array(await webcrypto.subtle.exportKey("spki", pair.publicKey));
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", pair.privateKey));
  try {
    const issued = await signAndRecord(context, {
      deviceId: request.deviceId,
      publicKeySpki,
      keyAlgorithm,
      validityDays: request.validityDays,
      strict: request.strict,
      requester: identityOf(principal),
      action: "credentials.issue",
      // Only the certificate part (`issued`) is stored: never the private key.
      idempotency: record,
    });
    const credentials: IssuedCredentials = {
      ...issued,
      privateKeyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    };
    if (request.pfxPassword !== undefined) {
      const certificates = x509.PemConverter.decode(issued.fullChainPem).map((der) => new Uint8Array(der));
      const pfx = buildPfx({
        privateKeyPkcs8: pkcs8,
        certificates,
        password: request.pfxPassword,
        friendlyName: request.deviceId,
      });
      credentials.pfxBase64 = Buffer.from(pfx).toString("base64");
    }
    return credentials;
  } finally {
    pkcs8.fill(0);
  }
}
