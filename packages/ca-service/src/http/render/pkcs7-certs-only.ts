import {
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  ContentInfo,
  DigestAlgorithmIdentifiers,
  EncapsulatedContentInfo,
  id_data,
  id_signedData,
  SignedData,
  SignerInfos,
} from "@peculiar/asn1-cms";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";

/**
 * A certs-only Simple PKI Response (RFC 5272 §4.1, RFC 7030 §4.1.3 and §4.2.3): a SignedData with
 * no signers, no digest algorithms and no eContent (RFC 5652 §5.2), holding `certificates` in the
 * order given. DER, byte for byte what `openssl crl2pkcs7 -nocrl` writes for the same certificates.
 */
export function certsOnlyPkcs7(certificates: readonly Uint8Array[]): Uint8Array {
  const signedData = new SignedData({
    version: CMSVersion.v1,
    digestAlgorithms: new DigestAlgorithmIdentifiers(),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
    certificates: new CertificateSet(
      certificates.map((der) => new CertificateChoices({ certificate: AsnConvert.parse(der, Certificate) })),
    ),
    signerInfos: new SignerInfos(),
  });
  const contentInfo = new ContentInfo({
    contentType: id_signedData,
    content: AsnConvert.serialize(signedData),
  });
  return new Uint8Array(AsnConvert.serialize(contentInfo));
}

/**
 * The body EST answers with: base64 of the DER on one line. aziot, curl and globalsign read
 * wrapped base64 too, but strongSwan's `pki --est` does not.
 */
export function certsOnlyPkcs7Base64(certificates: readonly Uint8Array[]): string {
  return Buffer.from(certsOnlyPkcs7(certificates)).toString("base64");
}
