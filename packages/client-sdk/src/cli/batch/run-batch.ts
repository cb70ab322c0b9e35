import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { EdgePkiClient } from "../../client.js";
import { checkDeviceFiles } from "../../device/check-device-files.js";
import { buildCsr } from "../../device/csr.js";
import { type DeviceKeyAlgorithm, keyAlgorithmOf } from "../../device/key-algorithm.js";
import { type DeviceKeyPair, generateDeviceKey, privateKeyPem } from "../../device/key-pair.js";
import {
  absoluteLayout,
  type WrittenDeviceFiles,
  writeCertificateFiles,
  writePrivateKeyFile,
} from "../../device/write-device-files.js";
import { AuthenticationError, ConnectionError } from "../../errors.js";
import { type CertificateSummary, sha256Fingerprint, summarise } from "../certificate-summary.js";
import { describeError } from "../describe-error.js";
import type { BatchJournal, RequestedEntry } from "./journal.js";

export interface BatchSettings {
  outDir: string;
  concurrency: number;
  keyAlgorithm: DeviceKeyAlgorithm;
  validityDays?: number;
}

export type DeviceOutcome =
  | {
      status: "issued" | "already-complete";
      deviceId: string;
      certificate: CertificateSummary;
      files: WrittenDeviceFiles;
    }
  | { status: "failed"; deviceId: string; error: string };

/**
 * The service replays an Idempotency-Key for 24 hours. A request older than this is not sent again:
 * the service could no longer recognise it and would issue a second certificate.
 */
const REPLAY_WINDOW_MS = 23 * 3600_000;

/** Devices in a row that found the CA unreachable, after the client's retries, before the batch stops. */
const UNREACHABLE_IN_A_ROW = 3;

/**
 * Issues every device that lacks complete, valid files, `concurrency` at a time, so that the run
 * can be killed at any point and started again without a device getting two certificates:
 *
 * 1. files that pass the checker: nothing to do;
 * 2. the key is written (0600, atomically) before anything is sent, and kept if a run left one;
 * 3. the exact request is journaled and synced before it is sent;
 * 4. it is sent with an Idempotency-Key derived from the batch and the device, so a re-sent request
 *    gets the first answer back (the same certificate) instead of a new one;
 * 5. the files are written, the chain last.
 *
 * A 401 stops the batch: every further request would fail the same way. So does a CA that stays
 * unreachable: once the client's own retries are spent for several devices in a row, with no answer
 * in between, the rest would only repeat that wait (a re-run resumes).
 */
export async function runBatch(
  client: EdgePkiClient,
  deviceIds: readonly string[],
  settings: BatchSettings,
  journal: BatchJournal,
  onOutcome: (outcome: DeviceOutcome) => void,
): Promise<DeviceOutcome[]> {
  const outcomes: DeviceOutcome[] = new Array(deviceIds.length);
  let next = 0;
  let stopped: string | undefined;
  let unreachableInARow = 0;
  const worker = async () => {
    while (next < deviceIds.length) {
      const index = next++;
      const deviceId = deviceIds[index] as string;
      const outcome: DeviceOutcome =
        stopped === undefined
          ? await issueDevice(client, deviceId, settings, journal).then(
              (issued) => {
                unreachableInARow = 0;
                return issued;
              },
              (error: unknown) => {
                if (error instanceof AuthenticationError) stopped = describeError(error);
                if (error instanceof ConnectionError && ++unreachableInARow >= UNREACHABLE_IN_A_ROW) {
                  stopped ??= `the CA was unreachable for ${unreachableInARow} devices in a row: ${describeError(error)}`;
                } else if (!(error instanceof ConnectionError)) unreachableInARow = 0;
                return { status: "failed" as const, deviceId, error: describeError(error) };
              },
            )
          : { status: "failed", deviceId, error: `not attempted: the batch stopped (${stopped})` };
      outcomes[index] = outcome;
      onOutcome(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, deviceIds.length) }, worker));
  return outcomes;
}

async function issueDevice(
  client: EdgePkiClient,
  deviceId: string,
  settings: BatchSettings,
  journal: BatchJournal,
): Promise<DeviceOutcome> {
  const paths = absoluteLayout(settings.outDir, deviceId);
  // The chain is written last: without it the set is incomplete, and checking it would only cost.
  const chainPem = await readIfPresent(paths.fullChain);
  if (chainPem !== undefined && (await checkDeviceFiles(settings.outDir, deviceId)).ok) {
    const { pfx: _none, ...files } = paths;
    return { status: "already-complete", deviceId, certificate: summarise(chainPem), files };
  }
  const keyPem = await readIfPresent(paths.privateKey);
  let request = journal.requested.get(deviceId);
  if (request !== undefined && keyPem === undefined) {
    throw new Error(
      `a request was sent for ${deviceId} but its key ${paths.privateKey} is gone: check its certificates on the CA before issuing again`,
    );
  }
  if (request !== undefined && Date.now() - Date.parse(request.at) > REPLAY_WINDOW_MS) {
    throw new Error(
      `the request for ${deviceId} was sent at ${request.at}, beyond the CA's 24-hour replay window: check its certificates on the CA before issuing again`,
    );
  }
  const key = keyPem === undefined ? await newKey(settings, deviceId) : keyOnFile(deviceId, keyPem);
  if (request === undefined) {
    request = await journalRequest(journal, deviceId, key, settings.validityDays);
  }
  const issued = await client.issueCertificate(request.body, {
    idempotencyKey: idempotencyKey(journal.batchId, deviceId),
  });
  const files = await writeCertificateFiles(settings.outDir, deviceId, issued);
  // Not waited for: the files are what count, and a lost entry only means the next run checks them.
  journal
    .append({
      type: "issued",
      deviceId,
      serialNumber: issued.serialNumber,
      at: new Date().toISOString(),
    })
    .catch(() => undefined);
  const certificate = {
    serialNumber: issued.serialNumber,
    notAfter: issued.notAfter,
    sha256Fingerprint: sha256Fingerprint(issued.certificatePem),
  };
  return { status: "issued", deviceId, certificate, files };
}

/**
 * The same for every run over the same output folder (its journal holds the batch ID), and
 * different for every device and batch.
 */
export function idempotencyKey(batchId: string, deviceId: string): string {
  return `edge-pki-batch-${createHash("sha256").update(`${batchId}\n${deviceId}`).digest("hex")}`;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** A new key, on disk before anything is sent. */
async function newKey(settings: BatchSettings, deviceId: string): Promise<DeviceKeyPair> {
  const pair = await generateDeviceKey(settings.keyAlgorithm);
  await writePrivateKeyFile(settings.outDir, deviceId, privateKeyPem(pair.privateKey));
  return pair;
}

/** The key an earlier run left: the request is made with it. */
function keyOnFile(deviceId: string, pem: string): DeviceKeyPair {
  const privateKey = createPrivateKey(pem);
  const algorithm = keyAlgorithmOf(privateKey);
  if (algorithm === undefined)
    throw new Error(`the key on file for ${deviceId} is not P-256, P-384 or RSA-2048`);
  return { algorithm, privateKey, publicKey: createPublicKey(privateKey) };
}

async function journalRequest(
  journal: BatchJournal,
  deviceId: string,
  key: DeviceKeyPair,
  validityDays: number | undefined,
): Promise<RequestedEntry> {
  const csr = await buildCsr(deviceId, key);
  const entry: RequestedEntry = {
    type: "requested",
    deviceId,
    body: validityDays === undefined ? { csr: csr.pem, deviceId } : { csr: csr.pem, deviceId, validityDays },
    at: new Date().toISOString(),
  };
  await journal.append(entry);
  return entry;
}
