import { x509 } from "./x509.js";

const ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

/**
 * Why a manufacturer's certificate, signed by the manufacturer CA `manufacturer`, cannot stand for
 * a device at `now` (undefined: it can). What a TLS stack checks of a client certificate, which the
 * EST listener cannot leave to its TLS (it asks for a certificate without requiring a trusted one):
 * both certificates valid now; the device's not a CA (a manufacturer's sub-CA signed by the same CA
 * is no device); its key usage, when it has one, allowing digitalSignature (what TLS client
 * authentication does with the key); its extended key usage, when it has one, including clientAuth.
 */
export function bootstrapCertificateRefusal(
  certificate: x509.X509Certificate,
  manufacturer: x509.X509Certificate,
  now: Date,
): string | undefined {
  if (!validAt(manufacturer, now)) {
    return `the bootstrap CA that signed it (${manufacturer.subject}) is not valid now`;
  }
  if (!validAt(certificate, now)) return "the bootstrap certificate is not valid now";
  if (certificate.getExtension(x509.BasicConstraintsExtension)?.ca) {
    return "the bootstrap certificate is a CA certificate, not a device's";
  }
  const keyUsage = certificate.getExtension(x509.KeyUsagesExtension);
  if (keyUsage !== null && !(keyUsage.usages & x509.KeyUsageFlags.digitalSignature)) {
    return "the bootstrap certificate's key usage does not allow digitalSignature (TLS client authentication)";
  }
  const extendedKeyUsage = certificate.getExtension(x509.ExtendedKeyUsageExtension);
  const usages: readonly string[] | undefined = extendedKeyUsage?.usages.map(String);
  if (
    usages !== undefined &&
    !usages.includes(x509.ExtendedKeyUsage.clientAuth) &&
    !usages.includes(ANY_EXTENDED_KEY_USAGE)
  ) {
    return "the bootstrap certificate's extended key usage does not include clientAuth";
  }
  return undefined;
}

function validAt(certificate: x509.X509Certificate, now: Date): boolean {
  const at = now.getTime();
  return certificate.notBefore.getTime() <= at && at <= certificate.notAfter.getTime();
}

/**
 * The manufacturer CAs of a PEM bundle (EDGE_PKI_EST_BOOTSTRAP_CA_FILE). Throws, naming the
 * certificate, on one that does not parse or is not a CA: a device's own bootstrap certificate put
 * there by mistake would otherwise quietly let no device in.
 */
export function parseBootstrapCaBundle(pem: string): x509.X509Certificate[] {
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)];
  if (blocks.length === 0) throw new Error("holds no PEM certificate");
  return blocks.map(([block], index) => {
    let certificate: x509.X509Certificate;
    try {
      certificate = new x509.X509Certificate(block);
    } catch {
      throw new Error(`certificate ${index + 1} does not parse`);
    }
    if (!certificate.getExtension(x509.BasicConstraintsExtension)?.ca) {
      throw new Error(
        `certificate ${index + 1} (${certificate.subject}) is not a CA certificate (basicConstraints CA:TRUE)`,
      );
    }
    return certificate;
  });
}
