import { AsnConvert } from "@peculiar/asn1-schema";
import { CRLNumber, id_ce_cRLNumber } from "@peculiar/asn1-x509";
import type { RevokedCertificate } from "../ports/certificate-store.js";
import type { IssuingCa } from "./device-certificate.js";
import { subjectKeyIdOf } from "./profiles.js";
import { crlReasonCode } from "./revocation-reason.js";
import { assertSignatureVerifies, signerCrypto } from "./signer-crypto.js";
import { x509 } from "./x509.js";

export interface SignCrlRequest {
  ca: Pick<IssuingCa, "signer" | "certificate">;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Every revoked certificate not yet expired at thisUpdate. */
  entries: readonly RevokedCertificate[];
}

/**
 * Builds and signs a v2 CRL through the CA signer (never with key bytes, so a Key Vault key works
 * too). It carries the two extensions RFC 5280 §5.2 requires of a conforming CA: the authority key
 * identifier and the CRL number. Its signature is verified with the signer's public key before it is
 * returned.
 */
export async function signCrl(request: SignCrlRequest): Promise<x509.X509Crl> {
  const { crypto, signingKey } = signerCrypto(request.ca.signer);
  const crl = await x509.X509CrlGenerator.create(
    {
      issuer: request.ca.certificate.subjectName,
      thisUpdate: request.thisUpdate,
      nextUpdate: request.nextUpdate,
      // The generator has no default hash: the signer's algorithm always names one.
      signingAlgorithm: request.ca.signer.signatureAlgorithm,
      signingKey,
      extensions: [
        new x509.AuthorityKeyIdentifierExtension(subjectKeyIdOf(request.ca.certificate)),
        new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(request.crlNumber))),
      ],
      entries: request.entries.map((entry) => ({
        serialNumber: entry.serialNumber,
        revocationDate: entry.revokedAt,
        reason: crlReasonCode(entry.reason),
      })),
    },
    crypto,
  );
  await assertSignatureVerifies(crl, request.ca.signer, "CRL");
  return crl;
}

/**
 * Whether a stored CRL is `certificate`'s, by its authority key identifier: after the intermediate
 * is replaced, the CRL its predecessor signed must not be served as the successor's.
 */
export function isCrlOf(crlDer: Uint8Array, certificate: x509.X509Certificate): boolean {
  const authorityKeyId = new x509.X509Crl(crlDer).getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  return authorityKeyId === subjectKeyIdOf(certificate);
}
