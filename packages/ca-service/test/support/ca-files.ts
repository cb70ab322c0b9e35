import { X509Certificate } from "node:crypto";
import type { CaInfo } from "@edge-pki/api-contract";
import type { JSONWebKeySet } from "jose";
import type { TempDir } from "./openssl.js";
import { call, type TestService } from "./service.js";

export interface CaFiles {
  rootPath: string;
  intermediatePath: string;
  /** Intermediate, then root. */
  chainPath: string;
}

/** The service's public CA certificates as it serves them, written to files for openssl. */
export async function caFiles(service: TestService, dir: TempDir): Promise<CaFiles> {
  const ca = await call<CaInfo>(`${service.url}/v1/ca`);
  if (ca.status !== 200) throw new Error(`GET /v1/ca failed: ${ca.status} ${ca.text}`);
  return {
    rootPath: await dir.file("root.pem", ca.body.rootCertificatePem),
    intermediatePath: await dir.file("intermediate.pem", ca.body.intermediateCertificatePem),
    chainPath: await dir.file("chain.pem", ca.body.chainPem),
  };
}

/** The token signer's certificate, as the service's JWKS publishes it (`x5c`, leaf first). */
export async function tokenSignerCertificate(service: TestService): Promise<X509Certificate> {
  const jwks = await call<JSONWebKeySet>(`${service.url}/.well-known/jwks.json`);
  const der = jwks.body.keys[0]?.x5c?.[0];
  if (jwks.status !== 200 || der === undefined) {
    throw new Error(`no token signer certificate in the JWKS: ${jwks.status} ${jwks.text}`);
  }
  return new X509Certificate(Buffer.from(der, "base64"));
}
