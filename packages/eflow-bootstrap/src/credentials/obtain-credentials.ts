import { createHash, createPrivateKey, createPublicKey, randomUUID, X509Certificate } from "node:crypto";
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
import { type CrlVerdict, crlVerdict } from "@edge-pki/host-kit/pkcs";
import { ensurePrivateDirectory, type FileHost, thisHost } from "@edge-pki/host-kit/private-files";
import { BootstrapError } from "../errors.js";
import { type BootstrapState, type CredentialsState, loadState, saveState } from "../run/state-file.js";
import { explainCaError } from "./ca-errors.js";
import { certificatePems } from "./pem.js";
import { assertPinnedRoot } from "./root-pin.js";

export interface CredentialsRequest {
  deviceId: string;
  /** The protected folder: Administrators and SYSTEM only on Windows, 0700 on POSIX. */
  dir: string;
  caUrl: string;
  /**
   * A bootstrap token (`bootstrapToken(…)`), an API token, or a TokenCredential with `scopes`. Only
   * needed when a certificate must be asked for: valid files need none. A function is called only
   * then (a token file is not read when nothing is asked of the CA).
   */
  credential: CredentialSource;
  scopes?: string;
  keyAlgorithm?: DeviceKeyAlgorithm;
  validityDays?: number;
  /** The root's SHA-256: the chain must end at it. */
  rootSha256?: string;
  /**
   * Replace a valid certificate with a new one: the old files are moved to `superseded/` only once the
   * new certificate has arrived and passed the checks.
   */
  reissue?: boolean;
  host?: FileHost;
  /** Progress for the operator, one line each; never a key or token. */
  log?: (line: string) => void;
}

/** The CA credential, or how to get it once it is needed. */
export type CredentialSource = Credential | undefined | (() => Credential | undefined);

export interface DeviceCredentials {
  deviceId: string;
  serialNumber: string;
  notAfter: string;
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
  if (state.pendingReissue?.serialNumber !== undefined) {
    // A reissue whose certificate had arrived and been checked, cut short while swapping it in.
    state = await swapInReissued(dir, request.deviceId, state, log);
  }

  if (await exists(layout.fullChain)) {
    if (!request.reissue) {
      await assertFilesValid(dir, request, state.credentials?.publicKeySha256);
      await assertNotRevoked(dir, request, log);
      log(`device files for ${request.deviceId} are in place and valid; no certificate asked for`);
      return result(request.deviceId, layout, true);
    }
    return reissue(dir, request, state, log);
  }

  const credential = requireCredential(request);
  state = await pendingRequest(dir, dir, "credentials", request, state, log);
  const issued = await issue(dir, request, credential, state.credentials as CredentialsState, log);
  state.credentials = {
    ...(state.credentials as CredentialsState),
    serialNumber: issued.serialNumber,
    notAfter: issued.notAfter,
  };
  await saveState(dir, state);
  log(`certificate ${issued.serialNumber} issued, valid until ${issued.notAfter}; files checked`);
  return result(request.deviceId, layout, false);
}

/** Where a reissue keeps its key and certificate until they replace the current ones. */
const REISSUE_FOLDER = "reissue";

/**
 * `--reissue` over valid files: the current identity stays in place while the new one is asked for,
 * written into `reissue/` and checked; only then are the current files moved to `superseded/<time>/`
 * and the new ones renamed into their place. A reissue that fails (no token, a used one, the CA
 * down) changes nothing the device uses, and a re-run resumes the same request.
 */
async function reissue(
  dir: string,
  request: CredentialsRequest,
  state: BootstrapState,
  log: (line: string) => void,
): Promise<DeviceCredentials> {
  const credential = requireCredential(request);
  const staging = join(dir, REISSUE_FOLDER);
  await ensurePrivateDirectory(staging, { host: request.host ?? thisHost });
  let next = await pendingRequest(dir, staging, "pendingReissue", request, state, log);
  const issued = await issue(staging, request, credential, next.pendingReissue as CredentialsState, log);
  next = {
    ...next,
    pendingReissue: {
      ...(next.pendingReissue as CredentialsState),
      serialNumber: issued.serialNumber,
      notAfter: issued.notAfter,
    },
  };
  // Recorded before the swap: a run cut short during it finishes it.
  await saveState(dir, next);
  next = await swapInReissued(dir, request.deviceId, next, log);
  log(`--reissue: certificate ${issued.serialNumber} issued, valid until ${issued.notAfter}; files checked`);
  return result(request.deviceId, absoluteLayout(dir, request.deviceId), false);
}

/**
 * Moves the current files to `superseded/<time>/` and the checked new ones from `reissue/` into
 * their place, file by file (each a rename); idempotent, so a swap cut short is finished by the next
 * run. The provisioning record stays: the VM still holds the old files, which re-provisioning removes.
 */
async function swapInReissued(
  dir: string,
  deviceId: string,
  state: BootstrapState,
  log: (line: string) => void,
): Promise<BootstrapState> {
  const archive = join(dir, "superseded", new Date().toISOString().replaceAll(":", "-"));
  const staged = deviceFiles(join(dir, REISSUE_FOLDER), deviceId);
  const current = deviceFiles(dir, deviceId);
  let archived = false;
  for (const [name, path] of Object.entries(staged) as [keyof typeof staged, string][]) {
    if (!(await exists(path))) continue;
    if (await exists(current[name])) {
      await moveInto(current[name], join(archive, relative(dir, current[name])));
      archived = true;
    }
    await moveInto(path, current[name]);
  }
  if (archived) log(`--reissue: the previous files were moved to ${archive}`);
  const next: BootstrapState = {
    ...state,
    credentials: state.pendingReissue,
    pendingReissue: undefined,
    verify: undefined,
  };
  await saveState(dir, next);
  return next;
}

function requireCredential(request: CredentialsRequest): Credential {
  const credential = typeof request.credential === "function" ? request.credential() : request.credential;
  if (credential === undefined) {
    throw new BootstrapError(
      "token_missing",
      "a certificate must be asked for, and there is no bootstrap token: put it in the file ca.bootstrapTokenFile names, or in EDGE_PKI_BOOTSTRAP_TOKEN",
    );
  }
  return credential;
}

/** Redeems the prepared request at the CA; writes the certificate files into `filesDir` and checks them. */
async function issue(
  filesDir: string,
  request: CredentialsRequest,
  credential: Credential,
  prepared: CredentialsState,
  log: (line: string) => void,
) {
  const client = new EdgePkiClient({
    baseUrl: request.caUrl,
    credential,
    ...(request.scopes !== undefined && { scopes: request.scopes }),
    userAgent: "eflow-bootstrap",
  });
  log(`asking the CA at ${request.caUrl} for the certificate of ${request.deviceId}`);
  let issued: Awaited<ReturnType<EdgePkiClient["issueCertificate"]>>;
  try {
    // A pinned root is compared with the one the CA serves before the token is sent: a CA of another
    // fleet (a wrong URL) then never gets to spend it. Whether this is the CA's server at all is for
    // TLS to say (an https URL with a certificate the device trusts).
    if (request.rootSha256 !== undefined) {
      assertPinnedRoot(
        (await client.getCa()).rootCertificatePem,
        request.rootSha256,
        "the CA serves the root",
      );
    }
    issued = await client.issueCertificate(
      { csr: prepared.csrPem, deviceId: request.deviceId, validityDays: request.validityDays },
      { idempotencyKey: prepared.idempotencyKey },
    );
  } catch (error) {
    throw explainCaError(error, request.caUrl);
  }
  assertPinnedRoot(issued.fullChainPem, request.rootSha256);
  await writeCertificateFiles(filesDir, request.deviceId, issued);
  await assertFilesValid(filesDir, request, prepared.publicKeySha256);
  return issued;
}

/** The request to send: the one a previous run prepared (same CSR, same key), or a new one. */
async function pendingRequest(
  dir: string,
  filesDir: string,
  slot: "credentials" | "pendingReissue",
  request: CredentialsRequest,
  state: BootstrapState,
  log: (line: string) => void,
): Promise<BootstrapState> {
  const keyPath = absoluteLayout(filesDir, request.deviceId).privateKey;
  const prepared = state[slot];
  if (prepared !== undefined && (await exists(keyPath))) {
    const onDisk = publicKeySha256(await readFile(keyPath, "utf8"));
    if (onDisk === prepared.publicKeySha256) {
      log("resuming: sending the request prepared before (same key, same CSR, same Idempotency-Key)");
      return state;
    }
  }
  if (await exists(keyPath)) {
    // A key without the request it belongs to: keep it aside, never overwrite or reuse it blindly.
    const archive = await archiveDeviceFiles(dir, filesDir, request.deviceId);
    log(`a key without a recorded request was moved to ${archive}`);
  }
  const key = await generateDeviceKey(request.keyAlgorithm ?? "ECDSA_P256");
  const csr = await buildCsr(request.deviceId, key);
  const pem = privateKeyPem(key.privateKey);
  const next: BootstrapState = {
    ...state,
    [slot]: {
      csrPem: csr.pem,
      idempotencyKey: randomUUID(),
      publicKeySha256: publicKeySha256(pem),
      requestedAt: new Date().toISOString(),
    },
  };
  // The request is recorded first: a run that dies before the key is on disk has sent nothing.
  await saveState(dir, next);
  await writePrivateKeyFile(filesDir, request.deviceId, pem, { host: request.host ?? thisHost });
  log(`made a ${key.algorithm} key in ${dirname(keyPath)} (it never leaves this machine)`);
  return next;
}

/**
 * The SDK's checker over the files in `filesDir`, anchored on the pinned root (`ca.rootSha256`) or,
 * without a pin, on the root file saved beside them when the CA answered: never on whatever the chain
 * file ends with. The leaf must also hold the key this device made (`publicKeySha256`, recorded with
 * the request), so a certificate and key of another CA's making are refused, root file and all.
 */
async function assertFilesValid(
  filesDir: string,
  request: CredentialsRequest,
  publicKeySha256: string | undefined,
): Promise<void> {
  const layout = absoluteLayout(filesDir, request.deviceId);
  const chain = await readFile(layout.fullChain, "utf8");
  const pinned = request.rootSha256 === undefined ? undefined : assertPinnedRoot(chain, request.rootSha256);
  const check = await checkDeviceFiles(filesDir, request.deviceId, {
    ...(pinned !== undefined && { rootCertificatePem: pinned }),
  });
  const lines = check.problems.map((problem) => `  ${problem.code}: ${problem.message}`);
  if (check.ok && publicKeySha256 !== undefined) {
    const leafKey = new X509Certificate(chain).publicKey.export({ type: "spki", format: "der" });
    if (createHash("sha256").update(leafKey).digest("hex") !== publicKeySha256) {
      lines.push(
        "  key_not_ours: the certificate is not for the key this device made for its request (see the state file)",
      );
    }
  }
  if (lines.length > 0) {
    throw new BootstrapError(
      "device_files_invalid",
      `the device files in ${filesDir} will not work:\n${lines.join("\n")}\n(--reissue replaces them with a new certificate)`,
    );
  }
}

/**
 * Files that pass every check may still hold a certificate the CA revoked since (a device retired and
 * set up again, a key reported stolen): the CA's CRL says so, when the CA answers. Offline, the files
 * are used as they are, and the log says that nothing could be asked.
 */
async function assertNotRevoked(
  filesDir: string,
  request: CredentialsRequest,
  log: (line: string) => void,
): Promise<void> {
  const chain = certificatePems(await readFile(absoluteLayout(filesDir, request.deviceId).fullChain, "utf8"));
  const [leaf, issuer] = chain.map((pem) => new X509Certificate(pem));
  if (leaf === undefined || issuer === undefined) return;
  const serial = leaf.serialNumber.toLowerCase();
  let verdict: CrlVerdict;
  try {
    const client = new EdgePkiClient({ baseUrl: request.caUrl, userAgent: "eflow-bootstrap" });
    verdict = crlVerdict(await client.getCrl({ timeoutMs: 10_000, maxRetries: 0 }), leaf, issuer);
  } catch (error) {
    log(
      `could not learn from the CA whether certificate ${serial} is revoked (${(error as Error).message}); using it`,
    );
    return;
  }
  if (verdict.revoked) {
    throw new BootstrapError(
      "certificate_revoked",
      `certificate ${serial} of ${request.deviceId} was revoked at the CA on ${verdict.revokedAt.toISOString()}: run again with --reissue and a new bootstrap token`,
    );
  }
}

/** A device's files in `filesDir` (the PFX aside: it is never written here). */
function deviceFiles(filesDir: string, deviceId: string) {
  const { pfx: _pfx, ...files } = absoluteLayout(filesDir, deviceId);
  return files;
}

/** Moves the device's files in `filesDir` (those that exist) to `superseded/<time>/` of `dir`. */
async function archiveDeviceFiles(dir: string, filesDir: string, deviceId: string): Promise<string> {
  const archive = join(dir, "superseded", new Date().toISOString().replaceAll(":", "-"));
  for (const path of Object.values(deviceFiles(filesDir, deviceId))) {
    if (await exists(path)) await moveInto(path, join(archive, relative(dir, path)));
  }
  return archive;
}

async function moveInto(path: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  await rename(path, target);
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

/** What the device holds, read from the certificate on disk (not from the state file). */
async function result(
  deviceId: string,
  layout: ReturnType<typeof absoluteLayout>,
  reused: boolean,
): Promise<DeviceCredentials> {
  const leaf = new X509Certificate(await readFile(layout.fullChain, "utf8"));
  return {
    deviceId,
    serialNumber: leaf.serialNumber.toLowerCase(),
    notAfter: new Date(leaf.validTo).toISOString(),
    fullChainPath: layout.fullChain,
    privateKeyPath: layout.privateKey,
    reused,
  };
}
