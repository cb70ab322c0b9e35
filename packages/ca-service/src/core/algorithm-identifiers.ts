/**
 * The AlgorithmIdentifiers of the keys the allow-list accepts, as DER spells them: id-ecPublicKey
 * with P-256 or P-384, and rsaEncryption with NULL parameters. The general path re-encodes a key's
 * identifier from its parts, which reproduces exactly these bytes.
 */
export const EC_KEY_ALGORITHM_IDENTIFIERS: readonly Buffer[] = [
  "301306072a8648ce3d020106082a8648ce3d030107",
  "301006072a8648ce3d020106052b81040022",
].map((hex) => Buffer.from(hex, "hex"));
export const RSA_KEY_ALGORITHM_IDENTIFIER = Buffer.from("300d06092a864886f70d0101010500", "hex");
export const KEY_ALGORITHM_IDENTIFIERS: readonly Buffer[] = [
  ...EC_KEY_ALGORITHM_IDENTIFIERS,
  RSA_KEY_ALGORITHM_IDENTIFIER,
];

/**
 * Signature AlgorithmIdentifiers, by WebCrypto name and hash (RFC 5758 for ECDSA: no parameters;
 * RFC 4055 for RSA: NULL). The CA signs with the SHA-256 and SHA-384 ones; CSRs may use all of them.
 */
export const SIGNATURE_ALGORITHM_IDENTIFIERS: Readonly<Record<string, string>> = {
  "ECDSA/SHA-256": "300a06082a8648ce3d040302",
  "ECDSA/SHA-384": "300a06082a8648ce3d040303",
  "ECDSA/SHA-512": "300a06082a8648ce3d040304",
  "RSASSA-PKCS1-v1_5/SHA-256": "300d06092a864886f70d01010b0500",
  "RSASSA-PKCS1-v1_5/SHA-384": "300d06092a864886f70d01010c0500",
  "RSASSA-PKCS1-v1_5/SHA-512": "300d06092a864886f70d01010d0500",
};
