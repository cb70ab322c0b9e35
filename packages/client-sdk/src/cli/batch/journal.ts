import { randomUUID } from "node:crypto";
import { type FileHandle, mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";

/** The first line: which batch this folder belongs to. */
export interface BatchHeader {
  type: "batch";
  batchId: string;
  createdAt: string;
}

/** Written, and synced, before the CSR is sent: a re-run sends the very same request again. */
export interface RequestedEntry {
  type: "requested";
  deviceId: string;
  /**
   * The exact body sent. ECDSA signatures are randomised, so the CSR is kept rather than rebuilt:
   * the service replays only a request with the same body.
   */
  body: { csr: string; deviceId: string; validityDays?: number };
  at: string;
}

/** The service answered and the files were written. */
export interface IssuedEntry {
  type: "issued";
  deviceId: string;
  serialNumber: string;
  at: string;
}

export type JournalEntry = BatchHeader | RequestedEntry | IssuedEntry;

/**
 * An append-only JSON-lines journal of a batch, in its output folder. Appends are group-committed:
 * lines written while a sync runs are synced together by the next one, so 16 workers share fsyncs
 * instead of queueing for one each. A line torn by a kill (the last one) is ignored on reading.
 */
export class BatchJournal {
  readonly batchId: string;
  readonly requested = new Map<string, RequestedEntry>();
  readonly issued = new Map<string, IssuedEntry>();
  readonly #file: FileHandle;
  #queue: { line: string; done: () => void; failed: (error: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;

  private constructor(file: FileHandle, batchId: string, entries: readonly JournalEntry[]) {
    this.#file = file;
    this.batchId = batchId;
    for (const entry of entries) {
      if (entry.type === "requested") this.requested.set(entry.deviceId, entry);
      if (entry.type === "issued") this.issued.set(entry.deviceId, entry);
    }
  }

  /** Opens the journal at `path`, creating it with a new batch ID when absent. */
  static async open(path: string): Promise<BatchJournal> {
    await mkdir(dirname(path), { recursive: true });
    const text = await readFile(path, "utf8").catch(() => "");
    const entries = parseLines(text);
    const file = await open(path, "a", 0o644);
    // A line torn by a kill has no newline: end it, or the next entry would be glued to it.
    if (text !== "" && !text.endsWith("\n")) await file.write("\n");
    const header = entries[0]?.type === "batch" ? entries[0] : undefined;
    const journal = new BatchJournal(file, header?.batchId ?? randomUUID(), entries);
    if (header === undefined) {
      if (entries.length > 0)
        throw new Error(`${path} is not a batch journal (its first line is no batch header)`);
      await journal.append({ type: "batch", batchId: journal.batchId, createdAt: new Date().toISOString() });
    }
    return journal;
  }

  /** Resolves once the entry is on disk (synced). */
  append(entry: JournalEntry): Promise<void> {
    if (entry.type === "requested") this.requested.set(entry.deviceId, entry);
    if (entry.type === "issued") this.issued.set(entry.deviceId, entry);
    return new Promise((done, failed) => {
      this.#queue.push({ line: `${JSON.stringify(entry)}\n`, done, failed });
      this.#flushing ??= this.#flush();
    });
  }

  async close(): Promise<void> {
    await this.#flushing;
    await this.#file.close();
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.#file.write(batch.map((item) => item.line).join(""));
        await this.#file.sync();
        for (const item of batch) item.done();
      } catch (error) {
        for (const item of batch) item.failed(error);
      }
    }
    this.#flushing = undefined;
  }
}

function parseLines(text: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // A line cut short by a kill: its entry never completed, so it never counted.
    }
  }
  return entries;
}
