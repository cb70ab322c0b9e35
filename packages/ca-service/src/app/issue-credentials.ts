import { webcrypto } from "node:crypto";
import type { GeneratedKeyAlgorithm } from "@edge-pki/api-contract";
import { assertMayIssueFor } from "../core/authorize.js";
import { assertValidDeviceId } from "../core/device-id.js";
import { CaError } from "../core/errors.js";
import { keyGenParamsFor } from "../core/key-algorithms.js";
import { identityOf, type Principal } from "../core/principal.js";
import { type IdempotencyDeps, type IdempotencyRequest, runIdempotent } from "./idempotency.js";
import { type IssuanceDeps, issueDeviceCertificate } from "./issuance/issue-device-certificate.js";
import type { IssuedDeviceCertificate, StoredIssuance } from "./issued-certificate.js";

export interface IssueCredentialsRequest {
  deviceId: string;
  keyAlgorithm?: GeneratedKeyAlgorithm | undefined;
  validityDays?: number | undefined;
  strict?: boolean | undefined;
  principal: Principal;
  idempotency?: IdempotencyRequest | undefined;
}

/** A certificate with the private key the service generated for it. */
export interface IssuedCredentials {
  certificate: IssuedDeviceCertificate;
  /**
   * Unencrypted PKCS#8 DER. Exists only in this result: never stored or logged. Whoever renders it
   * zeroes it afterwards.
   */
  privateKeyPkcs8: Uint8Array;
}

/**
 * For manufacturing lines that inject keys: the service generates the device key, issues its
 * certificate and returns both. The key exists only in this result; it is never stored or logged.
 *
 * With an `Idempotency-Key`, the stored response names the certificate only: keeping the private
 * key in the database for replays would defeat "never stored". A retry therefore cannot get the
 * key back; it gets 409 naming the serial number, and the line must discard that certificate (or
 * revoke it) and ask again with a new key.
 */
export async function issueCredentials(
  deps: IssuanceDeps & IdempotencyDeps,
  request: IssueCredentialsRequest,
): Promise<IssuedCredentials> {
  const { principal } = request;
  // Before a retry is answered too: a replay must not hand out what the caller may not issue.
  assertValidDeviceId(request.deviceId);
  assertMayIssueFor(principal, request.deviceId, "generated-key");
  return runIdempotent(deps, principal, request.idempotency, {
    name: "issueCredentials",
    perform: async (record) => {
      const keyAlgorithm = request.keyAlgorithm ?? "ECDSA_P256";
      const pair = (await webcrypto.subtle.generateKey(keyGenParamsFor(keyAlgorithm), true, [
        "sign",
        "verify",
      ])) as webcrypto.CryptoKeyPair;
      const publicKeySpki = new Uint8Array(await webcrypto.subtle.exportKey("spki", pair.publicKey));
      const privateKeyPkcs8 = new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", pair.privateKey));
      try {
        const certificate = await issueDeviceCertificate(deps, {
          deviceId: request.deviceId,
          publicKeySpki,
          keyAlgorithm,
          validityDays: request.validityDays,
          strict: request.strict,
          requester: identityOf(principal),
          action: "credentials.issue",
          // Only the certificate's serial number is stored: never the private key.
          idempotency: record,
        });
        return { certificate, privateKeyPkcs8 };
      } catch (error) {
        privateKeyPkcs8.fill(0);
        throw error;
      }
    },
    replay: async (stored) => {
      const { serialNumber } = stored.body as StoredIssuance;
      throw new CaError(
        "credentials_already_issued",
        `credentials already issued for this key; the private key is returned only once (serial number ${serialNumber})`,
        { extensions: { serialNumber } },
      );
    },
  });
}
