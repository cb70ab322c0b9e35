import type { IssuingCa } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import type { RetiredIntermediate } from "../core/retired-intermediate.js";
import { x509 } from "../core/x509.js";
import type { CaKeyStore } from "../ports/ca-key-store.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import { loadIssuingCa } from "./load-issuing-ca.js";
import { PeriodicRead } from "./periodic-read.js";

/** How stale a replica's view of the intermediate may get: a retirement elsewhere bites within this. */
export const ISSUING_CA_REFRESH_MS = 2_000;

export interface IssuingCaSourceDeps {
  keyStore: CaKeyStore;
  store: Pick<CertificateStore, "listRevoked" | "findBySerialNumber">;
  clock: Clock;
}

/**
 * The issuing CA every operation signs with, as the root's CRL and the key store have it, in the
 * way the `RevocationList` of API tokens follows revoked tokens: the root's revoked certificates are re-read when
 * the copy is older than the refresh interval (one query every two seconds at most, none while
 * idle, no timer). When the intermediate in use shows up there (an operator retired it, on any
 * replica), the key store is read again: its successor is taken once it is on record and valid;
 * until then every signing operation is refused with `issuing_ca_retired`, never signed under the
 * revoked key. If the store cannot be read, the last view stands and the next check retries.
 */
export class IssuingCaSource {
  private ca: IssuingCa;
  private readonly retiredBySerial = new Map<string, RetiredIntermediate>();
  private readonly reads: PeriodicRead;

  constructor(
    private readonly deps: IssuingCaSourceDeps,
    loaded: IssuingCa,
    onReadFailure: (error: unknown) => void = () => {},
  ) {
    this.ca = loaded;
    this.reads = new PeriodicRead(deps.clock, ISSUING_CA_REFRESH_MS, (now) => this.read(now), onReadFailure);
  }

  /** The root, which a retirement never changes. */
  get root(): x509.X509Certificate {
    return this.ca.root;
  }

  /** The intermediate to sign with; `issuing_ca_retired` while it is retired and its successor not in place. */
  async current(): Promise<IssuingCa> {
    await this.reads.ensureFresh();
    const retired = this.retiredBySerial.get(serialOf(this.ca.certificate));
    if (retired !== undefined) {
      throw new CaError(
        "issuing_ca_retired",
        `the issuing CA ${serialOf(this.ca.certificate)} was retired at ${retired.revokedAt.toISOString()} (${retired.reason ?? "unspecified"}) and its successor is not in place yet; nothing was signed: try again shortly (the operator finishes the retirement with \`edge-pki-ca intermediate retire\`)`,
      );
    }
    return this.ca;
  }

  /**
   * The CA that signs the CRLs: as `current`, except that while the intermediate is retired and its
   * successor not in place the CRLs are still served, the root's saying it is retired and the
   * intermediate's listing the device certificates revoked so far.
   */
  async forCrls(): Promise<IssuingCa> {
    await this.reads.ensureFresh();
    return this.ca;
  }

  /**
   * Every intermediate a device certificate of ours may come from: the one in use (even retired)
   * and those retired before. Who may do what with such a certificate is for the operation to say.
   */
  async knownIntermediates(): Promise<x509.X509Certificate[]> {
    await this.reads.ensureFresh();
    const retired = [...this.retiredBySerial.values()].map((entry) => entry.certificate);
    return this.retiredBySerial.has(serialOf(this.ca.certificate))
      ? retired
      : [this.ca.certificate, ...retired];
  }

  /** The intermediates retired so far (whose device certificates may still come to renew). */
  async retired(): Promise<RetiredIntermediate[]> {
    await this.reads.ensureFresh();
    return [...this.retiredBySerial.values()];
  }

  private async read(now: Date): Promise<void> {
    const revoked = await this.deps.store.listRevoked({ issuer: "root", unexpiredAt: now });
    for (const entry of revoked) {
      if (this.retiredBySerial.has(entry.serialNumber)) continue;
      const record = await this.deps.store.findBySerialNumber(entry.serialNumber);
      if (record?.profile !== "intermediate") continue;
      this.retiredBySerial.set(entry.serialNumber, {
        certificate: new x509.X509Certificate(record.der),
        reason: entry.reason,
        revokedAt: entry.revokedAt,
      });
    }
    if (this.retiredBySerial.has(serialOf(this.ca.certificate))) await this.takeSuccessor();
  }

  /**
   * The key store's intermediate, once it is another one, on record and valid: what `edge-pki-ca
   * intermediate retire` records before it installs it, so an unrecorded one is never signed with.
   */
  private async takeSuccessor(): Promise<void> {
    const loaded = await loadIssuingCa(this.deps.keyStore, this.deps.clock);
    const serial = serialOf(loaded.certificate);
    if (this.retiredBySerial.has(serial)) return;
    const record = await this.deps.store.findBySerialNumber(serial);
    if (record?.profile === "intermediate" && record.status === "valid") this.ca = loaded;
  }
}

function serialOf(certificate: x509.X509Certificate): string {
  return certificate.serialNumber.toLowerCase();
}
