import { chmod, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { runCli } from "./support/cli.js";
import { it } from "./support/fixtures.js";

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const env = { EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret" };

describe("the data folder", () => {
  it("that group or others may read is made private at start, and the start says so", async ({
    dataDir: dir,
  }) => {
    const dataDir = join(dir.path, "readable-folder");
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    const init = await runCli(["init", "--data-dir", dataDir], env);
    expect(init.code).toBe(0);
    expect(await modeOf(dataDir)).toBe(0o700);
    const warning = init.stderr
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.level === "warn" && String(line.message).startsWith("the data folder"));
    expect(warning).toMatchObject({
      message: "the data folder was open to other users: it is now private to its owner",
      dataFolder: dataDir,
      previousMode: "755",
    });
    // Loosened again later (a restore, a careless chmod): tightened again by the next command.
    await chmod(dataDir, 0o750);
    expect((await runCli(["token", "list", "--data-dir", dataDir], env)).code).toBe(0);
    expect(await modeOf(dataDir)).toBe(0o700);
  });

  it("that others may write to is refused in one line, and nothing is written there", async ({
    dataDir: dir,
  }) => {
    for (const mode of [0o777, 0o775, 0o757]) {
      const dataDir = join(dir.path, `writable-${mode.toString(8)}`);
      await mkdir(dataDir);
      await chmod(dataDir, mode);
      for (const command of [["init"], ["token", "list"]]) {
        const refused = await runCli([...command, "--data-dir", dataDir], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toBe(
          `edge-pki-ca: the data folder ${dataDir} is writable by other users (mode ${mode.toString(8)}): run chmod go-w on it (0700 is best)\n`,
        );
      }
      expect(await readdir(dataDir)).toEqual([]);
      expect(await modeOf(dataDir)).toBe(mode);
    }
  });
});

describe("the SQLite files", () => {
  it("are the owner's alone (0600): the database, its WAL and its shared memory", async ({
    startService,
  }) => {
    // A service of this test's own: it is restarted.
    const service = await startService();
    await service.token(["reader"]);
    for (const file of ["edge-pki.sqlite", "edge-pki.sqlite-wal", "edge-pki.sqlite-shm"]) {
      expect({ file, mode: await modeOf(join(service.dataDir, file)) }).toEqual({ file, mode: 0o600 });
    }
    // Files an earlier release left with the umask's 0644 are tightened at the next start.
    for (const file of ["edge-pki.sqlite", "edge-pki.sqlite-wal", "edge-pki.sqlite-shm"]) {
      await chmod(join(service.dataDir, file), 0o644);
    }
    await service.restart();
    for (const file of ["edge-pki.sqlite", "edge-pki.sqlite-wal", "edge-pki.sqlite-shm"]) {
      expect({ file, mode: await modeOf(join(service.dataDir, file)) }).toEqual({ file, mode: 0o600 });
    }
  });
});
