import type { IssuedCertificate } from "@edge-pki/api-contract";
import type { IssuedDeviceCertificate } from "../../app/issued-certificate.js";
import { certificatePem, certificatesPem } from "./pem.js";

/** An issued certificate as the JSON API shows it: the leaf, and the full chain leaf first. */
export function renderIssuedCertificate(issued: IssuedDeviceCertificate): IssuedCertificate {
  const wire: IssuedCertificate = {
    serialNumber: issued.serialNumber,
    deviceId: issued.deviceId,
    certificatePem: certificatePem(issued.certificateDer),
    // Leaf first: IoT Edge reads the registration ID from the first certificate.
    fullChainPem: certificatesPem([issued.certificateDer, ...issued.chainDer]),
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
  };
  if (issued.notAfterCappedBy !== undefined) wire.notAfterCappedBy = issued.notAfterCappedBy;
  return wire;
}
