import type { NotAfterCappedBy } from "@edge-pki/api-contract";
import type { IssuingCa } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import { isIssuedBy } from "../core/issued-by.js";
import { x509 } from "../core/x509.js";
import type { CertificateRecord } from "../ports/certificate-store.js";

/**
 * A device certificate as issued: DER and domain values. The HTTP layer renders it (PEM in JSON,
 * or PKCS#7 for EST) without parsing anything back.
 */
export interface IssuedDeviceCertificate {
  serialNumber: string;
  deviceId: string;
  certificateDer: Uint8Array;
  /** The issuing chain above the certificate: the intermediate, then the root. */
  chainDer: readonly Uint8Array[];
  notBefore: Date;
  notAfter: Date;
  /** Which limit shortened the requested validity, when one did. */
  notAfterCappedBy?: NotAfterCappedBy;
}

/** The intermediate, then the root: what a device certificate chains through. */
export function issuingChainDer(ca: IssuingCa): Uint8Array[] {
  return [new Uint8Array(ca.certificate.rawData), new Uint8Array(ca.root.rawData)];
}

/**
 * What an idempotency record keeps of an issuance: enough to find the certificate again in the
 * store, which holds it anyway. (Records written before this shape also carry these two members.)
 */
export interface StoredIssuance {
  serialNumber: string;
  notAfterCappedBy?: NotAfterCappedBy;
}

export function storedIssuance(issued: IssuedDeviceCertificate): StoredIssuance {
  return issued.notAfterCappedBy === undefined
    ? { serialNumber: issued.serialNumber }
    : { serialNumber: issued.serialNumber, notAfterCappedBy: issued.notAfterCappedBy };
}

/** The issuance an idempotency record names, rebuilt from the certificate's own record. */
export async function recalledIssuance(
  deps: {
    ca: IssuingCa;
    store: { findBySerialNumber(serial: string): Promise<CertificateRecord | undefined> };
  },
  stored: StoredIssuance,
): Promise<IssuedDeviceCertificate> {
  const record = await deps.store.findBySerialNumber(stored.serialNumber);
  if (record?.deviceId == null) {
    // Recorded in the same transaction as the idempotency record: this cannot happen short of
    // someone deleting rows by hand.
    throw new CaError("internal", "the certificate this Idempotency-Key issued is missing from the store");
  }
  if (record.status === "revoked") {
    // Handing it out as if fresh would give the caller a certificate every relying party refuses.
    throw new CaError(
      "already_revoked",
      `the certificate this Idempotency-Key issued (serial number ${record.serialNumber}) was revoked at ${record.revokedAt?.toISOString()} (${record.revocationReason}); ask again with a new key for a new certificate`,
      {
        extensions: {
          serialNumber: record.serialNumber,
          ...(record.revokedAt && { revokedAt: record.revokedAt.toISOString() }),
          ...(record.revocationReason && { revocationReason: record.revocationReason }),
        },
      },
    );
  }
  if (!(await isIssuedBy(new x509.X509Certificate(record.der), deps.ca.certificate))) {
    // Signed by an intermediate that has since been retired (it is on the root's CRL): the chain in
    // use would not verify it, and the one that would is revoked.
    throw new CaError(
      "already_revoked",
      `the certificate this Idempotency-Key issued (serial number ${record.serialNumber}) was signed by an issuing CA that has since been retired; ask again with a new key for a new certificate`,
      { extensions: { serialNumber: record.serialNumber } },
    );
  }
  const issued: IssuedDeviceCertificate = {
    serialNumber: record.serialNumber,
    deviceId: record.deviceId,
    certificateDer: record.der,
    chainDer: issuingChainDer(deps.ca),
    notBefore: record.notBefore,
    notAfter: record.notAfter,
  };
  if (stored.notAfterCappedBy !== undefined) issued.notAfterCappedBy = stored.notAfterCappedBy;
  return issued;
}
