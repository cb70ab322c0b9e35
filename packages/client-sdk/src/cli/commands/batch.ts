import { resolve } from "node:path";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { BatchJournal } from "../batch/journal.js";
import { writeManifest } from "../batch/manifest.js";
import { startProgress, type Tally } from "../batch/progress.js";
import { readDevices } from "../batch/read-devices.js";
import { runBatch } from "../batch/run-batch.js";
import { assertDeviceFolder } from "../device-output.js";
import { addIssuanceFlags, type IssuanceFlags, issuanceSettings } from "../key-flags.js";
import { printResult } from "../output.js";
import { openSession, wholeNumber } from "../settings.js";

/** The batch's journal, in its output folder: what makes a re-run resume. */
export const JOURNAL_FILE = "edge-pki-batch.journal.jsonl";

/** Failed devices named in the summary; the manifest has them all. */
const FAILURES_SHOWN = 10;

interface BatchFlags extends IssuanceFlags {
  input?: string;
  out?: string;
  concurrency: string;
}

/** `batch --input devices.csv --out DIR [--concurrency N]`: a manufacturing line's run. */
export function addBatchCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const batch = addIssuanceFlags(
    program
      .command("batch")
      .description(
        "issue every device of a CSV (a deviceId column; other columns go to the manifest) with keys made here; " +
          "resumable: a re-run skips complete devices and never asks twice for one device",
      )
      .option("--input <file>", "the devices: CSV with a header row and a deviceId column")
      .option("--out <dir>", "where to write certs/, private/, the journal and the manifest")
      .option("--concurrency <n>", "devices in flight at once, 1 to 256", "16"),
  );
  batch.action(async () => {
    const flags = batch.opts<BatchFlags>();
    if (flags.input === undefined) throw new UsageError("--input is needed");
    if (flags.out === undefined) throw new UsageError("--out is needed");
    const concurrency = wholeNumber("--concurrency", flags.concurrency, 1, 256);
    const settings = issuanceSettings(flags);
    const { client, json } = openSession(batch, env);
    const outDir = resolve(flags.out);
    const { rows, extraColumns } = await readDevices(flags.input);
    await assertDeviceFolder(outDir);

    const journal = await BatchJournal.open(resolve(outDir, JOURNAL_FILE));
    const tally: Tally = { issued: 0, alreadyComplete: 0, failed: 0 };
    const progress = startProgress(rows.length, tally);
    let outcomes: Awaited<ReturnType<typeof runBatch>>;
    try {
      outcomes = await runBatch(
        client,
        rows.map((row) => row.deviceId),
        { outDir, concurrency, ...settings },
        journal,
        (outcome) => progress.record(outcome),
      );
    } finally {
      progress.finish();
      await journal.close();
    }
    const manifest = await writeManifest(outDir, journal.batchId, rows, extraColumns, outcomes);
    const failures = outcomes.flatMap((outcome) => (outcome.status === "failed" ? [outcome] : []));
    printResult(
      json,
      { batchId: journal.batchId, devices: rows.length, ...tally, manifest, failures },
      () => [
        `${rows.length} devices: ${tally.issued} issued, ${tally.alreadyComplete} already complete, ${tally.failed} failed`,
        ...failures.slice(0, FAILURES_SHOWN).map((failure) => `  ${failure.deviceId}: ${failure.error}`),
        ...(failures.length > FAILURES_SHOWN
          ? [`  … ${failures.length - FAILURES_SHOWN} more in the manifest`]
          : []),
        `manifest: ${manifest.csv}, ${manifest.json}`,
      ],
    );
    if (failures.length > 0) process.exitCode = 1;
  });
}
