import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import type { CryptoFloor } from "./result.js";

/** About the size of a device CSR's CertificationRequestInfo and of a device certificate's TBS. */
const CSR_INFO_BYTES = 200;
const TBS_BYTES = 450;
const WARM_UP = 100;

/**
 * The least CPU one certificate can cost with node:crypto on this machine: importing the CSR's
 * P-256 key (every device brings a new one) the cheapest way node has, as a JWK of its coordinates
 * (as the service does; an SPKI import costs about twice as much), and verifying its signature,
 * then one P-256 signature with a CA key imported once. Measured on this thread, in CPU time, so
 * other work on the machine slows it less than wall time.
 */
export function measureCryptoFloor(iterations: number): CryptoFloor {
  const requests = Array.from({ length: iterations }, () => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const info = randomBytes(CSR_INFO_BYTES);
    return {
      jwk: publicKey.export({ format: "jwk" }),
      info,
      signature: sign("sha256", info, privateKey),
    };
  });
  const caKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const tbs = requests.map(() => randomBytes(TBS_BYTES));

  const verifyOne = (index: number) => {
    const request = requests[index] as (typeof requests)[number];
    const key = createPublicKey({ key: request.jwk, format: "jwk" });
    if (!verify("sha256", request.info, key, request.signature)) throw new Error("floor: a signature failed");
  };
  const signOne = (index: number) => {
    sign("sha256", tbs[index] as Buffer, caKey);
  };
  // The first calls load OpenSSL's tables and the JIT's code: a server that has run for a second
  // has paid that, so the floor does not count it either.
  for (let index = 0; index < Math.min(iterations, WARM_UP); index++) {
    verifyOne(index);
    signOne(index);
  }
  const verifyMicroseconds = cpuMicrosecondsEach(iterations, verifyOne);
  const signMicroseconds = cpuMicrosecondsEach(iterations, signOne);
  const microsecondsPerCertificate = verifyMicroseconds + signMicroseconds;
  return {
    iterations,
    verifyMicroseconds,
    signMicroseconds,
    microsecondsPerCertificate,
    certificatesPerSecondPerCore: 1_000_000 / microsecondsPerCertificate,
  };
}

function cpuMicrosecondsEach(iterations: number, work: (index: number) => void): number {
  const before = process.cpuUsage();
  for (let index = 0; index < iterations; index++) work(index);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}
