export { type CrlVerdict, crlVerdict } from "./crl.js";
export {
  algorithm,
  der,
  integer,
  octets,
  oid,
  type PropOptions,
  sequence,
  sequenceOf,
} from "./der-sequence.js";
export { type Pbes2Ciphertext, pbes2Encrypt } from "./pbes2.js";
export { type BuildPfxRequest, buildPfx, derivePkcs12Key } from "./pkcs12.js";
