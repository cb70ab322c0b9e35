import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { bitString, integer, nullValue, OID, pkcs1Sha256Encoding, sequence, set, utf8String } from "./der.js";

const pem = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n")}\n-----END ${label}-----\n`;

/** `CN=<value>`, the value's DER given whole (so it may be any type). */
export const subjectWithCn = (valueDer: Uint8Array) => sequence(set(sequence(OID.commonName, valueDer)));
export const textCn = (text: string) => subjectWithCn(utf8String(text));

function certificationRequestInfo(subject: Uint8Array, spki: Uint8Array): Uint8Array {
  // version 0, subject, key, and an empty [0] attributes set.
  return sequence(integer(0n), subject, spki, new Uint8Array([0xa0, 0x00]));
}

/**
 * An RSA-2048 key whose public exponent is 1: its "signature" of anything is the padded hash itself,
 * so whoever knows the modulus can sign as the key. `sign` forges such a signature.
 */
export function exponentOneKey(): { spki: Uint8Array; sign(data: Uint8Array): Uint8Array } {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = publicKey.export({ format: "jwk" });
  const modulus = Buffer.from(jwk.n as string, "base64url");
  const rsaPublicKey = sequence(integer(modulus), integer(1n));
  const spki = sequence(sequence(OID.rsaEncryption, nullValue()), bitString(rsaPublicKey));
  return {
    spki,
    sign: (data) => pkcs1Sha256Encoding(createHash("sha256").update(data).digest(), modulus.length),
  };
}

/** A CSR for the e = 1 key, "signed" the way anyone could sign for it. PEM. */
export function exponentOneCsr(deviceId: string): string {
  const key = exponentOneKey();
  const info = certificationRequestInfo(textCn(deviceId), key.spki);
  const request = sequence(info, sequence(OID.sha256WithRsa, nullValue()), bitString(key.sign(info)));
  return pem("CERTIFICATE REQUEST", request);
}

/** A CSR with the given subject (its DER whole), properly signed by a fresh P-256 key. PEM. */
export function csrWithSubject(subject: Uint8Array): { csrPem: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const info = certificationRequestInfo(subject, spki);
  const signature = new Uint8Array(sign("sha256", info, privateKey));
  const request = sequence(info, sequence(OID.ecdsaWithSha256), bitString(signature));
  return { csrPem: pem("CERTIFICATE REQUEST", request), privateKey };
}
