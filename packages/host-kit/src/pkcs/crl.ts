import { type X509Certificate as NodeCertificate, verify } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, CertificateList } from "@peculiar/asn1-x509";

/** The hash of each signature algorithm our CAs sign CRLs with (ECDSA, RSA PKCS#1 v1.5). */
const HASHES: Record<string, string> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
};

/** What a CRL says of one certificate: listed (since when), or not. */
export type CrlVerdict = { revoked: true; revokedAt: Date } | { revoked: false };

/**
 * Whether `certificate` is on `crlDer`, which its issuer `issuer` must have signed. Throws when the
 * CRL cannot be read, is another CA's (an intermediate that was replaced), or its signature does not
 * verify with the issuer's key: such a CRL says nothing of the certificate.
 */
export function crlVerdict(
  crlDer: Uint8Array,
  certificate: NodeCertificate,
  issuer: NodeCertificate,
): CrlVerdict {
  const crl = AsnConvert.parse(crlDer, CertificateList);
  const tbs = crl.tbsCertList;
  const issuerName = AsnConvert.serialize(
    AsnConvert.parse(new Uint8Array(issuer.raw), Certificate).tbsCertificate.subject,
  );
  if (!Buffer.from(AsnConvert.serialize(tbs.issuer)).equals(Buffer.from(issuerName))) {
    throw new Error("the CRL is not the certificate's issuer's");
  }
  const hash = HASHES[crl.signatureAlgorithm.algorithm];
  if (hash === undefined) {
    throw new Error(`the CRL is signed with ${crl.signatureAlgorithm.algorithm}, which this does not read`);
  }
  // DER in, DER out: the re-encoded TBSCertList is the signed one.
  const signed = verify(
    hash,
    Buffer.from(AsnConvert.serialize(tbs)),
    issuer.publicKey,
    Buffer.from(crl.signature),
  );
  if (!signed) throw new Error("the CRL's signature does not verify with the issuer's key");
  const serial = normalisedSerial(certificate.serialNumber);
  for (const entry of tbs.revokedCertificates ?? []) {
    if (normalisedSerial(Buffer.from(entry.userCertificate).toString("hex")) === serial) {
      return { revoked: true, revokedAt: entry.revocationDate.getTime() };
    }
  }
  return { revoked: false };
}

/** Lower-case hex without leading zeros (an INTEGER's sign byte, node's padding). */
function normalisedSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, "");
}
