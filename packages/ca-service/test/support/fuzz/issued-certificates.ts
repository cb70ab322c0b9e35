import { X509Certificate } from "node:crypto";
import type { IssuedCertificate } from "@edge-pki/api-contract";
import { caFiles } from "../ca-files.js";
import { opensslStatus, type TempDir } from "../openssl.js";
import type { TestService } from "../service.js";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Certificates a fuzzed request was issued: each is checked in-process at once (leaf first in the
 * chain, signed by our intermediate, for the device ID the answer names), and `openssl verify`
 * judges them all in one run at the end of the property, against the root and the chain the
 * service publishes. At most `limit` go to openssl: a sample, not a slowdown.
 */
export class IssuedCertificates {
  private readonly pending: { serialNumber: string; pem: string }[] = [];

  constructor(private readonly limit = 60) {}

  add(issued: IssuedCertificate): void {
    const [leaf, intermediate, root, ...rest] = issued.fullChainPem.match(PEM_BLOCK) ?? [];
    if (leaf === undefined || intermediate === undefined || root === undefined || rest.length > 0) {
      throw new Error(`fullChainPem is not leaf, intermediate, root: ${issued.serialNumber}`);
    }
    const certificate = new X509Certificate(leaf);
    if (certificate.raw.compare(new X509Certificate(issued.certificatePem).raw) !== 0) {
      throw new Error(`certificatePem is not the chain's leaf: ${issued.serialNumber}`);
    }
    const issuer = new X509Certificate(intermediate);
    if (!certificate.checkIssued(issuer) || !certificate.verify(issuer.publicKey)) {
      throw new Error(`not signed by our intermediate: ${issued.serialNumber}`);
    }
    if (certificate.subject !== `CN=${issued.deviceId}`) {
      throw new Error(`subject ${certificate.subject} for device ${issued.deviceId}`);
    }
    if (
      certificate.serialNumber.toLowerCase().replace(/^0+/, "") !== issued.serialNumber.replace(/^0+/, "")
    ) {
      throw new Error(`serial ${certificate.serialNumber} answered as ${issued.serialNumber}`);
    }
    if (this.pending.length < this.limit) this.pending.push({ serialNumber: issued.serialNumber, pem: leaf });
  }

  get size(): number {
    return this.pending.length;
  }

  async expectOpensslVerifies(service: TestService, dir: TempDir): Promise<void> {
    if (this.pending.length === 0) return;
    const ca = await caFiles(service, dir);
    const paths = await Promise.all(
      this.pending.map(({ serialNumber, pem }) => dir.file(`issued-${serialNumber}.pem`, pem)),
    );
    const { output } = await opensslStatus([
      "verify",
      "-CAfile",
      ca.rootPath,
      "-untrusted",
      ca.intermediatePath,
      ...paths,
    ]);
    const refused = paths.filter((path) => !output.includes(`${path}: OK`));
    if (refused.length > 0) throw new Error(`openssl verify refuses ${refused.join(", ")}:\n${output}`);
  }
}
