import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BootstrapError } from "../errors.js";

/** The state file's name, in the protected folder: it names no secret, but its folder is private anyway. */
export const STATE_FILE = "eflow-bootstrap.state.json";

/** What a credentials request left, so that a re-run sends the very same request (never a second one). */
export interface CredentialsState {
  /** PKCS#10 PEM, kept because an ECDSA CSR is never rebuilt byte for byte. */
  csrPem: string;
  /** The request's Idempotency-Key: the CA answers a repeat with the certificate it issued. */
  idempotencyKey: string;
  /** SHA-256 (hex) of the key's SubjectPublicKeyInfo: the key file must still hold that key. */
  publicKeySha256: string;
  requestedAt: string;
  serialNumber?: string;
  notAfter?: string;
}

export interface StepRecord {
  completedAt: string;
  summary?: string;
}

export interface BootstrapState {
  version: 1;
  deviceId: string;
  credentials?: CredentialsState;
  /**
   * A `--reissue` under way: its key and certificate are kept in `reissue/` beside the current files
   * until the new certificate has arrived and passed the checks; only then are they swapped in.
   */
  pendingReissue?: CredentialsState;
  provision?: StepRecord & { target: "eflow" | "linux" };
  /**
   * Saved before provisioning is started, and kept: the VM may hold files a failed attempt copied
   * in, which a later attempt must clear first (iotedge-eflow #103).
   */
  provisionAttempt?: { startedAt: string; target: "eflow" | "linux" };
  verify?: StepRecord;
}

/** Whether provisioning was ever started from this folder (done, failed or cut short). */
export function provisioningAttempted(state: BootstrapState): boolean {
  return state.provision !== undefined || state.provisionAttempt !== undefined;
}

/** The state of `deviceId` in `dir`, new when there is none; refuses another device's state. */
export async function loadState(dir: string, deviceId: string): Promise<BootstrapState> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, deviceId };
    throw error;
  }
  const state = JSON.parse(text) as BootstrapState;
  if (state.version !== 1 || typeof state.deviceId !== "string") {
    throw new BootstrapError(
      "config_invalid",
      `${join(dir, STATE_FILE)} is not a state file of this version`,
    );
  }
  if (state.deviceId.toLowerCase() !== deviceId.toLowerCase()) {
    throw new BootstrapError(
      "config_invalid",
      `${dir} holds the state of device ${state.deviceId}, not ${deviceId}: use a folder per device`,
    );
  }
  return state;
}

/** Replaces the state file atomically (a temporary file renamed over it). */
export async function saveState(dir: string, state: BootstrapState): Promise<void> {
  const temporary = join(dir, `.${STATE_FILE}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, join(dir, STATE_FILE));
}
