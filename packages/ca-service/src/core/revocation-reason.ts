import type { RevocationReason } from "@edge-pki/api-contract";
import { x509 } from "./x509.js";

/** The CRLReason code each accepted reason name is written as in the CRL (RFC 5280 §5.3.1). */
const CRL_REASON_CODES: Record<RevocationReason, x509.X509CrlReason> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  cACompromise: x509.X509CrlReason.cACompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
  privilegeWithdrawn: x509.X509CrlReason.privilegeWithdrawn,
  aACompromise: x509.X509CrlReason.aACompromise,
};

/**
 * The code for a stored reason name. `unspecified` maps to no code: RFC 5280 says the reason
 * extension SHOULD then be absent.
 */
export function crlReasonCode(reason: string | null): x509.X509CrlReason | undefined {
  const code = reason === null ? undefined : CRL_REASON_CODES[reason as RevocationReason];
  return code === x509.X509CrlReason.unspecified ? undefined : code;
}
