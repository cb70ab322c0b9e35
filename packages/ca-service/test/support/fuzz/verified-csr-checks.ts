import { DEVICE_ID_PATTERN } from "@edge-pki/api-contract";
import type { VerifiedCsr } from "../../../src/core/csr.js";
import { deviceIdForCsr } from "../../../src/core/device-certificate.js";
import { classifyPublicKey } from "../../../src/core/key-algorithms.js";
import { openssl, type TempDir } from "../openssl.js";
import { firstInnerElement } from "./der-lengths.js";
import { expectRefusedWithStatus, parseOrRefuse } from "./refusal.js";

const ACCEPTED_KEYS = new Set(["ECDSA_P256", "ECDSA_P384", "RSA_2048", "RSA_3072", "RSA_4096"]);

/**
 * What an accepted CSR must be, whatever it was made from: a key on the allow-list (its canonical
 * form classifying the same), CNs as text, exactly the DER it came as, and a device ID that is
 * either valid or refused as the client's mistake.
 */
export async function expectUsableCsr(csr: VerifiedCsr, input: string | Uint8Array): Promise<void> {
  if (!ACCEPTED_KEYS.has(csr.keyAlgorithm)) throw new Error(`accepted a ${csr.keyAlgorithm} key`);
  const reclassified = await parseOrRefuse(() => classifyPublicKey(csr.publicKeySpki));
  if (!reclassified.ok || reclassified.value !== csr.keyAlgorithm) {
    throw new Error(`the canonical key does not classify as ${csr.keyAlgorithm}`);
  }
  if (!csr.commonNames.every((name) => typeof name === "string")) throw new Error("a CN is not text");
  if (typeof input !== "string" && !Buffer.from(csr.der).equals(Buffer.from(input))) {
    throw new Error("the verified DER is not the DER that was sent");
  }
  const deviceId = await parseOrRefuse(() => deviceIdForCsr(csr.commonNames, undefined));
  if (deviceId.ok && !DEVICE_ID_PATTERN.test(deviceId.value)) {
    throw new Error(`device ID ${JSON.stringify(deviceId.value)} breaks the device-ID rule`);
  }
  if (!deviceId.ok) expectRefusedWithStatus(deviceId.error, 400);
}

/**
 * CSRs our parser accepted, for openssl to verify independently afterwards: one openssl run per
 * distinct DER, and at most `limit` of them (mutants that still verify are rare, and alike).
 *
 * Known and reported, so tolerated: our parser reads the ECDSA signature's own DER (a SEQUENCE of
 * r and s inside the BIT STRING) leniently, so a request whose signed part is byte for byte one
 * openssl made, with only that encoding bent (a wrong inner length or tag, unused bits set), still
 * verifies here while openssl refuses it. Its proof of possession is sound (the key holder signed
 * exactly that request info), so only requests whose signed part is not a seed's must pass openssl.
 */
export class AcceptedCsrs {
  private readonly pending = new Map<string, Uint8Array>();
  private readonly signedBySeedKey: Set<string>;

  constructor(
    seeds: readonly { der: Uint8Array }[],
    private readonly limit = 20,
  ) {
    this.signedBySeedKey = new Set(seeds.map((seed) => hex(firstInnerElement(seed.der))));
  }

  add(der: Uint8Array): void {
    if (this.pending.size < this.limit) this.pending.set(hex(der), der);
  }

  /** Fails naming every CSR whose signature openssl does not verify. */
  async expectOpensslVerifies(dir: TempDir): Promise<void> {
    const failures: string[] = [];
    let index = 0;
    for (const der of this.pending.values()) {
      const path = await dir.file(`accepted-${index++}.der`, der);
      const output = await openssl(["req", "-inform", "DER", "-in", path, "-noout", "-verify"]).catch(
        (error: Error) => error.message,
      );
      if (/verify OK/i.test(output) || this.signedBySeedKey.has(hex(firstInnerElement(der)))) continue;
      failures.push(`${Buffer.from(der).toString("base64")}: ${output}`);
    }
    if (failures.length > 0) {
      throw new Error(`openssl refuses CSRs our parser accepted:\n${failures.join("\n")}`);
    }
  }
}

const hex = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? "" : Buffer.from(bytes).toString("hex");
