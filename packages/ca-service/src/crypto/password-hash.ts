import { type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * scrypt at N = 2^15, r = 8, p = 1 (OWASP's minimum is 2^17 with p = 1 at r = 8 for interactive
 * logins; EST credentials are long random strings, and verified ones are cached, so the lower cost
 * keeps a burst of first enrollments from queueing for seconds). 32 MiB and some 50 ms per hash.
 */
const PARAMETERS = { ln: 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/**
 * Bounds on what a stored hash may ask for, so that a tampered row cannot pin the CPU or exhaust the
 * memory: at most 2^17 (128 MiB at r = 8), at least 2^14.
 */
const MIN_LN = 14;
const MAX_LN = 17;
const MAX_P = 2;
const ENCODED = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * The hash of a password, self-describing in the PHC string format
 * (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, unpadded base64): it names its own parameters, so they can
 * be raised later without losing the credentials hashed before.
 */
export async function hashPassword(password: string, salt: Uint8Array): Promise<string> {
  if (salt.length !== SALT_BYTES) throw new TypeError(`the salt must be ${SALT_BYTES} random bytes`);
  const { ln, r, p } = PARAMETERS;
  const hash = await derive(password, salt, HASH_BYTES, ln, r, p);
  return `$scrypt$ln=${ln},r=${r},p=${p}$${unpadded(salt)}$${unpadded(hash)}`;
}

/** How many random bytes `hashPassword` wants as its salt. */
export const PASSWORD_SALT_BYTES = SALT_BYTES;

/**
 * Whether `password` hashes to `encoded`, compared in constant time. A hash that is not ours (or
 * asks for more than the bounds) verifies nothing.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const match = ENCODED.exec(encoded);
  if (match === null) return false;
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (ln < MIN_LN || ln > MAX_LN || r !== 8 || p < 1 || p > MAX_P) return false;
  const salt = Buffer.from(match[4] ?? "", "base64");
  const expected = Buffer.from(match[5] ?? "", "base64");
  if (expected.length < 16) return false;
  const actual = await derive(password, salt, expected.length, ln, r, p);
  return timingSafeEqual(actual, expected);
}

function derive(
  password: string,
  salt: Uint8Array,
  length: number,
  ln: number,
  r: number,
  p: number,
): Promise<Buffer> {
  const N = 2 ** ln;
  // 128·N·r bytes, and Node refuses 32 MiB and more by default: room for exactly what is asked.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

function unpadded(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64").replace(/=+$/, "");
}
