import { DEVICE_ID_PATTERN } from "@edge-pki/api-contract";
import { assertMayIssueFor } from "./authorize.js";
import { assertValidDeviceId, hasDevicePrefix, isSameDevice } from "./device-id.js";
import { CaError } from "./errors.js";
import type { Principal } from "./principal.js";
import type { Profile } from "./profiles.js";
import { permissionsOf } from "./roles.js";
import { x509 } from "./x509.js";

/** The certificates EST issues. */
export type EstProfile = Extract<Profile, "device" | "est-identity" | "edge-ca">;

/** Where an Edge CA may be issued: nowhere, for every device, or for device IDs with one of these prefixes. */
export type EdgeCaPolicy =
  | { kind: "off" }
  | { kind: "all" }
  | { kind: "prefixes"; prefixes: readonly string[] };

/**
 * How an EST client authenticated:
 * - `manufacturer`: a TLS client certificate under a configured manufacturer (bootstrap) CA;
 * - `issued`: a TLS client certificate of ours, on record, valid and unrevoked;
 * - `principal`: any other credential an authenticator established (HTTP Basic), scoped as its
 *   principal says (a device-ID prefix).
 */
export type EstCredential =
  | { kind: "manufacturer"; commonName: string }
  | { kind: "issued"; profile: Profile; deviceId: string; certificate: x509.X509Certificate }
  | { kind: "principal"; principal: Principal };

/** What a CSR asks for, from its extension request (PKCS#9 extensionRequest). */
export interface CsrRequest {
  commonNames: readonly string[];
  /** The subject, as text (RFC 4514). */
  subject: string;
  /** The DER of its subjectAltName extension, if it asks for one. */
  subjectAltNameDer: Uint8Array | undefined;
  /** basicConstraints cA, and its pathLenConstraint. */
  ca: boolean;
  pathLength: number | undefined;
  keyCertSign: boolean;
  clientAuth: boolean;
}

export interface EstDecision {
  profile: EstProfile;
  /** The device the certificate belongs to: its record's device ID. */
  deviceId: string;
  /** The CN the certificate carries: the device ID, but for an Edge CA its own name. */
  commonName: string;
  /** For simplereenroll: the serial number of the certificate it supersedes. */
  supersedes?: string;
}

/** Reads what a verified CSR asks for. */
export function csrRequestOf(der: Uint8Array): CsrRequest {
  const csr = new x509.Pkcs10CertificateRequest(der);
  const find = <T>(type: new (...args: never[]) => T): T | undefined =>
    csr.extensions.find((extension): extension is x509.Extension & T => extension instanceof type);
  const constraints = find(x509.BasicConstraintsExtension);
  const usages = find(x509.KeyUsagesExtension);
  const extended = find(x509.ExtendedKeyUsageExtension);
  const san = find(x509.SubjectAlternativeNameExtension);
  return {
    commonNames: csr.subjectName.getField("2.5.4.3"),
    subject: csr.subject,
    subjectAltNameDer: san ? new Uint8Array(san.value) : undefined,
    ca: constraints?.ca ?? false,
    pathLength: constraints?.pathLength,
    keyCertSign: ((usages?.usages ?? 0) & x509.KeyUsageFlags.keyCertSign) !== 0,
    clientAuth: (extended?.usages ?? []).includes(x509.ExtendedKeyUsage.clientAuth),
  };
}

/**
 * The profile of an EST request, from what the CSR asks (CA:TRUE: Edge CA; clientAuth: EST identity;
 * nothing: device identity, as IoT Edge's CSR carries no extensions), and whether the credential may
 * have it:
 * - a manufacturer certificate obtains an EST identity, for the CN it carries itself;
 * - our EST identity obtains, for its own device ID only, a device identity, its own renewal, or an
 *   Edge CA where `edgeCa` allows that device one (its CN must differ from the device ID);
 * - simplereenroll renews the TLS client certificate itself: ours, with the CSR's subject and
 *   subjectAltName identical to it (RFC 7030 §4.2.2);
 * - another credential (HTTP Basic) enrols device identities and EST identities within its scope.
 */
export function decideEstEnrollment(request: {
  operation: "simpleenroll" | "simplereenroll";
  credential: EstCredential;
  csr: CsrRequest;
  edgeCa: EdgeCaPolicy;
  /** The CNs of our own CAs (root, intermediate): names an Edge CA may not take. */
  caCommonNames?: readonly string[];
}): EstDecision {
  const { csr, credential } = request;
  const profile = requestedProfile(csr);
  const commonName = singleCommonName(csr);
  if (request.operation === "simplereenroll") {
    return reenrollment(credential, csr, profile, request.edgeCa, request.caCommonNames ?? []);
  }
  if (profile === "edge-ca") {
    const names = request.caCommonNames ?? [];
    if (credential.kind === "issued" && credential.profile === "est-identity") {
      return edgeCa(credential.deviceId, commonName, request.edgeCa, names);
    }
    // An EST password for one device says whose Edge CA it is; one for a fleet does not.
    if (credential.kind === "principal") {
      const { principal } = credential;
      if (principal.deviceId !== undefined && permissionsOf(principal.roles).has("est:enroll")) {
        return edgeCa(principal.deviceId, commonName, request.edgeCa, names);
      }
    }
    throw forbidden(
      "an Edge CA is enrolled with the device's EST identity certificate, or an EST credential for that one device",
    );
  }
  assertValidDeviceId(commonName, "csr");
  switch (credential.kind) {
    case "manufacturer":
      if (profile !== "est-identity") {
        throw forbidden(
          "a manufacturer certificate obtains only an EST identity (a CSR asking for clientAuth); enrol the rest with that",
        );
      }
      if (!isSameDevice(commonName, credential.commonName)) {
        throw forbidden(
          `this manufacturer certificate is for '${credential.commonName}', not '${commonName}'`,
        );
      }
      return { profile, deviceId: commonName, commonName };
    case "issued":
      if (credential.profile !== "est-identity") {
        throw forbidden(
          `a ${credential.profile} certificate does not enrol; renew it with simplereenroll, or enrol with an EST identity`,
        );
      }
      if (!isSameDevice(commonName, credential.deviceId)) {
        throw forbidden(`this EST identity is for device '${credential.deviceId}', not '${commonName}'`);
      }
      return { profile, deviceId: credential.deviceId, commonName };
    case "principal":
      // Only a credential made for EST (HTTP Basic, role est-enroll) enrols this way.
      if (!permissionsOf(credential.principal.roles).has("est:enroll")) {
        throw forbidden("this credential may not enrol over EST");
      }
      assertMayIssueFor(credential.principal, commonName, "csr");
      return { profile, deviceId: commonName, commonName };
  }
}

function reenrollment(
  credential: EstCredential,
  csr: CsrRequest,
  profile: EstProfile,
  policy: EdgeCaPolicy,
  caCommonNames: readonly string[],
): EstDecision {
  if (credential.kind !== "issued") {
    throw forbidden("simplereenroll needs the certificate being renewed as the TLS client certificate");
  }
  const { certificate } = credential;
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const sameSan =
    san === null
      ? csr.subjectAltNameDer === undefined
      : csr.subjectAltNameDer !== undefined && Buffer.from(san.value).equals(csr.subjectAltNameDer);
  if (certificate.subject !== csr.subject || !sameSan) {
    throw forbidden(
      "the CSR's subject and subjectAltName must be identical to the certificate being renewed (RFC 7030 §4.2.2)",
    );
  }
  if (profile !== credential.profile) {
    throw forbidden(
      `the CSR asks for a ${profile} certificate; the one being renewed is a ${credential.profile}`,
    );
  }
  const commonName = singleCommonName(csr);
  if (profile === "edge-ca") edgeCa(credential.deviceId, commonName, policy, caCommonNames);
  return {
    profile,
    deviceId: credential.deviceId,
    commonName,
    supersedes: certificate.serialNumber.toLowerCase(),
  };
}

function edgeCa(
  deviceId: string,
  commonName: string,
  policy: EdgeCaPolicy,
  caCommonNames: readonly string[],
): EstDecision {
  if (!edgeCaAllowed(policy, deviceId)) {
    throw forbidden(`policy does not allow an Edge CA for device '${deviceId}' (EDGE_PKI_EST_EDGE_CA)`);
  }
  if (isSameDevice(commonName, deviceId)) {
    throw invalid("an Edge CA's CN must differ from the device ID (IoT Edge refuses it otherwise)");
  }
  // An Edge CA is a CA on a device: it must not be named as any device (its CN would read as that
  // device's identity) nor as one of our own CAs. aziot's default, `aziot-edge CA <device ID>`, is
  // neither: a device ID holds no spaces.
  if (DEVICE_ID_PATTERN.test(commonName)) {
    throw forbidden(
      `an Edge CA's CN must not be a device ID ('${commonName}' is one): use aziot's default, 'aziot-edge CA ${deviceId}'`,
    );
  }
  if (caCommonNames.some((name) => name.toLowerCase() === commonName.toLowerCase())) {
    throw forbidden(`an Edge CA may not take the name of one of this CA's certificates ('${commonName}')`);
  }
  return { profile: "edge-ca", deviceId, commonName };
}

function edgeCaAllowed(policy: EdgeCaPolicy, deviceId: string): boolean {
  if (policy.kind === "off") return false;
  return policy.kind === "all" || policy.prefixes.some((prefix) => hasDevicePrefix(deviceId, prefix));
}

function requestedProfile(csr: CsrRequest): EstProfile {
  if (csr.ca) {
    if (csr.pathLength !== 0 || !csr.keyCertSign) {
      throw invalid("a CA request must ask for CA:TRUE with pathlen 0 and keyCertSign (an IoT Edge Edge CA)");
    }
    return "edge-ca";
  }
  return csr.clientAuth ? "est-identity" : "device";
}

function singleCommonName(csr: CsrRequest): string {
  const [commonName] = csr.commonNames;
  if (csr.commonNames.length !== 1 || commonName === undefined || commonName.length > 128) {
    throw invalid("the CSR's subject must hold exactly one CN of at most 128 characters");
  }
  return commonName;
}

function forbidden(message: string): CaError {
  return new CaError("forbidden", message);
}

function invalid(message: string): CaError {
  return new CaError("invalid_csr", message, { errors: [{ field: "csr", message }] });
}
