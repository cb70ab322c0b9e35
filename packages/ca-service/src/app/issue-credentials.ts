import { webcrypto } from "node:crypto";
import type { IssueCredentialsRequest, IssuedCredentials } from "@edge-pki/api-contract";
import { assertValidDeviceId } from "../core/device-id.js";
import { keyGenParamsFor } from "../core/key-algorithms.js";
import { x509 } from "../core/x509.js";
import { buildPfx } from "../crypto/pkcs12.js";
import type { ServiceContext } from "./service-context.js";
import { signAndRecord } from "./sign-and-record.js";

/**
 * For manufacturing lines that inject keys: the service generates the device key, issues its
 * certificate and returns both. The key exists only in this response; it is never stored or logged.
 */
export async function issueCredentials(
  context: ServiceContext,
  request: IssueCredentialsRequest,
  requester: string,
): Promise<IssuedCredentials> {
  assertValidDeviceId(request.deviceId);
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
      requester,
      action: "credentials.issue",
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
