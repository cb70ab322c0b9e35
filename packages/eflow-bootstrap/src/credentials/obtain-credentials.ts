import { createHash, createPrivateKey, createPublicKey, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import {
  absoluteLayout,
  buildCsr,
  type Credential,
  checkDeviceFiles,
  type DeviceKeyAlgorithm,
  EdgePkiClient,
  generateDeviceKey,
  privateKeyPem,
  writeCertificateFiles,
  writePrivateKeyFile,
} from "@edge-pki/client-sdk";
import { ensurePrivateDirectory, type FileHost, thisHost } from "@edge-pki/host-kit/private-files";
import { BootstrapError } from "../errors.js";
import { type BootstrapState, loadState, saveState } from "../run/state-file.js";
import { explainCaError } from "./ca-errors.js";
import { assertPinnedRoot } from "./root-pin.js";

export interface CredentialsRequest {
  deviceId: string;
  /** The protected folder: Administrators and SYSTEM only on Windows, 0700 on POSIX. */
  dir: string;
  caUrl: string;
  /**
   * A bootstrap token (`bootstrapToken(…)`), an API token, or a TokenCredential with `scopes`. Only
   * needed when a certificate must be asked for: valid files need none.
   */
  credential: Credential | undefined;
  scopes?: string;
  keyAlgorithm?: DeviceKeyAlgorithm;
  validityDays?: number;
  /** The root's SHA-256: the chain must end at it. */
  rootSha256?: string;
  /** Replace a valid certificate with a new one (the old files are moved to `superseded/`). */
  reissue?: boolean;
  host?: FileHost;
  /** Progress for the operator, one line each; never a key or token. */
  log?: (line: string) => void;
}

export interface DeviceCredentials {
  deviceId: string;
  serialNumber: string | undefined;
  notAfter: string | undefined;
  /** Absolute paths: the full chain (leaf first) and the unencrypted key. */
  fullChainPath: string;
  privateKeyPath: string;
  /** True when valid files were already there and nothing was asked of the CA. */
  reused: boolean;
}

/**
 * Gets the device its identity: the key is made here and never leaves the folder; the CSR is
 * redeemed at the CA with the bootstrap token (or another credential); the full chain and the key
 * are written into the protected folder; the SDK's checker must pass before anything goes on (CN =
 * registration ID, chain to the CA root, key matching the certificate, notAfter before 2038).
 *
 * Resumable: the CSR and its Idempotency-Key are kept in the state file before the key is written
 * and the request sent, so a run that died anywhere sends the same request again and gets the same
 * certificate back. Valid files are reused; a second certificate is asked for only with `reissue`.
 */
export async function obtainCredentials(request: CredentialsRequest): Promise<DeviceCredentials> {
  const log = request.log ?? (() => {});
  const host = request.host ?? thisHost;
  const { path: dir } = await ensurePrivateDirectory(request.dir, { host });
  const layout = absoluteLayout(dir, request.deviceId);
  let state = await loadState(dir, request.deviceId);

  if (await exists(layout.fullChain)) {
    if (!request.reissue) {
      await assertFilesValid(dir, request);
      log(`device files for ${request.deviceId} are in place and valid; no certificate asked for`);
      return result(request.deviceId, layout, state, true);
    }
    const archive = await archiveDeviceFiles(dir, request.deviceId);
    log(`--reissue: the current files were moved to ${archive}`);
    // The provisioning record stays: the VM still holds the old files, which a re-provisioning removes.
    state = { ...state, credentials: undefined, verify: undefined };
    await saveState(dir, state);
  }

  if (request.credential === undefined) {
    throw new BootstrapError(
      "token_missing",
      "a certificate must be asked for, and there is no bootstrap token: put it in the file ca.bootstrapTokenFile names, or in EDGE_PKI_BOOTSTRAP_TOKEN",
    );
  }
  const pending = await pendingRequest(dir, request, state, log);
  state = pending.state;
  const client = new EdgePkiClient({
    baseUrl: request.caUrl,
    credential: request.credential,
    ...(request.scopes !== undefined && { scopes: request.scopes }),
    userAgent: "eflow-bootstrap",
  });
  const credentials = state.credentials as NonNullable<BootstrapState["credentials"]>;
  log(`asking the CA at ${request.caUrl} for the certificate of ${request.deviceId}`);
  let issued: Awaited<ReturnType<EdgePkiClient["issueCertificate"]>>;
  try {
    issued = await client.issueCertificate(
      { csr: credentials.csrPem, deviceId: request.deviceId, validityDays: request.validityDays },
      { idempotencyKey: credentials.idempotencyKey },
    );
  } catch (error) {
    throw explainCaError(error, request.caUrl);
  }
  assertPinnedRoot(issued.fullChainPem, request.rootSha256);
  await writeCertificateFiles(dir, request.deviceId, issued);
  state.credentials = { ...credentials, serialNumber: issued.serialNumber, notAfter: issued.notAfter };
  await saveState(dir, state);
  await assertFilesValid(dir, request);
  log(`certificate ${issued.serialNumber} issued, valid until ${issued.notAfter}; files checked`);
  return result(request.deviceId, layout, state, false);
}

/** The request to send: the one a previous run prepared (same CSR, same key), or a new one. */
async function pendingRequest(
  dir: string,
  request: CredentialsRequest,
  state: BootstrapState,
  log: (line: string) => void,
): Promise<{ state: BootstrapState }> {
  const keyPath = absoluteLayout(dir, request.deviceId).privateKey;
  const prepared = state.credentials;
  if (prepared !== undefined && (await exists(keyPath))) {
    const onDisk = publicKeySha256(await readFile(keyPath, "utf8"));
    if (onDisk === prepared.publicKeySha256) {
      log("resuming: sending the request prepared before (same key, same CSR, same Idempotency-Key)");
      return { state };
    }
  }
  if (await exists(keyPath)) {
    // A key without the request it belongs to: keep it aside, never overwrite or reuse it blindly.
    const archive = await archiveDeviceFiles(dir, request.deviceId);
    log(`a key without a recorded request was moved to ${archive}`);
  }
  const key = await generateDeviceKey(request.keyAlgorithm ?? "ECDSA_P256");
  const csr = await buildCsr(request.deviceId, key);
  const pem = privateKeyPem(key.privateKey);
  const next: BootstrapState = {
    ...state,
    credentials: {
      csrPem: csr.pem,
      idempotencyKey: randomUUID(),
      publicKeySha256: publicKeySha256(pem),
      requestedAt: new Date().toISOString(),
    },
  };
  // The request is recorded first: a run that dies before the key is on disk has sent nothing.
  await saveState(dir, next);
  await writePrivateKeyFile(dir, request.deviceId, pem, { host: request.host ?? thisHost });
  log(`made a ${key.algorithm} key in ${dirname(keyPath)} (it never leaves this machine)`);
  return { state: next };
}

async function assertFilesValid(dir: string, request: CredentialsRequest): Promise<void> {
  const layout = absoluteLayout(dir, request.deviceId);
  const root = assertPinnedRoot(await readFile(layout.fullChain, "utf8"), request.rootSha256);
  const check = await checkDeviceFiles(dir, request.deviceId, { rootCertificatePem: root });
  if (!check.ok) {
    const lines = check.problems.map((problem) => `  ${problem.code}: ${problem.message}`);
    throw new BootstrapError(
      "device_files_invalid",
      `the device files in ${dir} will not work:\n${lines.join("\n")}\n(--reissue replaces them with a new certificate)`,
    );
  }
}

/** Moves a device's files (those that exist) to `superseded/<time>/`, keeping their layout. */
async function archiveDeviceFiles(dir: string, deviceId: string): Promise<string> {
  const archive = join(dir, "superseded", new Date().toISOString().replaceAll(":", "-"));
  const { pfx: _pfx, ...layout } = absoluteLayout(dir, deviceId);
  for (const path of Object.values(layout)) {
    if (!(await exists(path))) continue;
    const target = join(archive, relative(dir, path));
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await rename(path, target);
  }
  return archive;
}

function publicKeySha256(privateKeyPemText: string): string {
  const spki = createPublicKey(createPrivateKey(privateKeyPemText)).export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function result(
  deviceId: string,
  layout: ReturnType<typeof absoluteLayout>,
  state: BootstrapState,
  reused: boolean,
): DeviceCredentials {
  return {
    deviceId,
    serialNumber: state.credentials?.serialNumber,
    notAfter: state.credentials?.notAfter,
    fullChainPath: layout.fullChain,
    privateKeyPath: layout.privateKey,
    reused,
  };
}
