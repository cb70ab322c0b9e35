import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertWritableFolder,
  DirectoryWritableByOthersError,
  ensurePrivateDirectory,
  type FileHost,
  FolderNotWritableError,
  replaceFiles,
  restrictExistingDirectory,
  writeNewFile,
} from "../src/private-files/index.js";

/** POSIX, for real on disk (these tests need Linux or macOS). */
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "host-kit-posix-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** A Linux host whose process runner must never be called: POSIX needs no other program. */
const linux: FileHost = {
  platform: "linux",
  run: () => Promise.reject(new Error("no program may run on POSIX")),
  windowsDirectory: "C:\\Windows",
};

describe("ensurePrivateDirectory on POSIX", () => {
  it("creates the folder and its missing parents 0700 and returns its absolute path", async () => {
    const path = join(root, "created", "nested");
    expect(await ensurePrivateDirectory(relative(process.cwd(), path), { host: linux })).toEqual({
      path,
      tightenedFrom: undefined,
    });
    expect(await modeOf(path)).toBe(0o700);
    expect(await modeOf(join(root, "created"))).toBe(0o700);
  });

  it("makes an existing folder others may read or enter the owner's alone, and says from what", async () => {
    for (const mode of [0o755, 0o750, 0o711, 0o704]) {
      const path = join(root, `readable-${mode.toString(8)}`);
      await mkdir(path);
      await chmod(path, mode);
      expect(await ensurePrivateDirectory(path, { host: linux })).toEqual({ path, tightenedFrom: mode });
      expect(await modeOf(path)).toBe(mode & 0o700);
    }
  });

  it("leaves a private folder as it is", async () => {
    const path = join(root, "already-private");
    await mkdir(path, { mode: 0o700 });
    expect(await ensurePrivateDirectory(path, { host: linux })).toEqual({ path, tightenedFrom: undefined });
    expect(await modeOf(path)).toBe(0o700);
  });

  it("refuses a folder the group or others may write to, changing nothing", async () => {
    for (const mode of [0o777, 0o770, 0o702]) {
      const path = join(root, `shared-${mode.toString(8)}`);
      await mkdir(path);
      await chmod(path, mode);
      const refused = ensurePrivateDirectory(path, { host: linux });
      await expect(refused).rejects.toBeInstanceOf(DirectoryWritableByOthersError);
      await expect(refused).rejects.toMatchObject({
        path,
        mode,
        message: `${path} is writable by other users (mode ${mode.toString(8)}): run chmod go-w on it (0700 is best)`,
      });
      expect(await modeOf(path)).toBe(mode);
    }
  });

  it("tightens such a folder on request: the owner's alone", async () => {
    const path = join(root, "tightened");
    await mkdir(path);
    await chmod(path, 0o777);
    expect(await ensurePrivateDirectory(path, { writableByOthers: "tighten", host: linux })).toEqual({
      path,
      tightenedFrom: 0o777,
    });
    expect(await modeOf(path)).toBe(0o700);
  });
});

describe("restrictExistingDirectory", () => {
  it("passes an absent folder without creating it", async () => {
    const absent = join(root, "absent");
    expect(await restrictExistingDirectory(absent, { host: linux })).toBeUndefined();
    await expect(stat(absent)).rejects.toThrow("ENOENT");
  });

  it("refuses a folder others may write to, and makes one they may read private", async () => {
    const writable = join(root, "world-writable");
    await mkdir(writable);
    await chmod(writable, 0o757);
    await expect(restrictExistingDirectory(writable, { host: linux })).rejects.toMatchObject({
      path: writable,
      mode: 0o757,
    });
    expect(await modeOf(writable)).toBe(0o757);
    const readable = join(root, "group-readable");
    await mkdir(readable);
    await chmod(readable, 0o750);
    expect(await restrictExistingDirectory(readable, { host: linux })).toEqual({
      path: readable,
      tightenedFrom: 0o750,
    });
    expect(await modeOf(readable)).toBe(0o700);
  });
});

describe("writeNewFile", () => {
  it("writes the content with the mode asked for, in a folder it makes 0700", async () => {
    const path = join(root, "keys-new", "root.key.pem");
    await writeNewFile(path, "secret key\n", 0o600);
    expect(await readFile(path, "utf8")).toBe("secret key\n");
    expect(await modeOf(path)).toBe(0o600);
    expect(await modeOf(join(root, "keys-new"))).toBe(0o700);
    await writeNewFile(join(root, "keys-new", "root.pem"), new Uint8Array([1, 2, 3]), 0o644);
    expect(await modeOf(join(root, "keys-new", "root.pem"))).toBe(0o644);
  });

  it("never overwrites: a second write fails with EEXIST and leaves the first content and no temporary file", async () => {
    const folder = join(root, "no-overwrite");
    const path = join(folder, "admin.token");
    await writeNewFile(path, "first\n", 0o600);
    await expect(writeNewFile(path, "second\n", 0o600)).rejects.toMatchObject({ code: "EEXIST" });
    expect(await readFile(path, "utf8")).toBe("first\n");
    expect(await readdir(folder)).toEqual(["admin.token"]);
  });

  it("lets exactly one of several concurrent writers create the file, whole", async () => {
    const folder = join(root, "race");
    const path = join(folder, "key-passphrase");
    const contents = Array.from({ length: 8 }, (_, index) => `writer ${index} `.repeat(10_000));
    const results = await Promise.allSettled(contents.map((content) => writeNewFile(path, content, 0o600)));
    const winners = results.flatMap((result, index) => (result.status === "fulfilled" ? [index] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "EEXIST" });
    }
    expect(await readFile(path, "utf8")).toBe(contents[winners[0] as number]);
    expect(await readdir(folder)).toEqual(["key-passphrase"]);
  });
});

describe("replaceFiles", () => {
  it("replaces existing files with whole new content and mode, leaving no temporary file", async () => {
    const folder = join(root, "replace");
    await mkdir(folder);
    await writeFile(join(folder, "device.key.pem"), "old key\n", { mode: 0o644 });
    await replaceFiles([
      { path: join(folder, "device.key.pem"), content: "new key\n", mode: 0o600 },
      { path: join(folder, "device.cert.pem"), content: "new certificate\n", mode: 0o644 },
    ]);
    expect(await readFile(join(folder, "device.key.pem"), "utf8")).toBe("new key\n");
    expect(await modeOf(join(folder, "device.key.pem"))).toBe(0o600);
    expect(await readFile(join(folder, "device.cert.pem"), "utf8")).toBe("new certificate\n");
    expect((await readdir(folder)).sort()).toEqual(["device.cert.pem", "device.key.pem"]);
  });

  it("replaces nothing when a file cannot be staged, and cleans up what it staged", async () => {
    const folder = join(root, "replace-none");
    await mkdir(folder);
    await writeFile(join(folder, "a.pem"), "old a\n");
    const files = [
      { path: join(folder, "a.pem"), content: "new a\n", mode: 0o644 },
      { path: join(folder, "missing", "b.pem"), content: "new b\n", mode: 0o644 },
    ];
    await expect(replaceFiles(files)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readFile(join(folder, "a.pem"), "utf8")).toBe("old a\n");
    expect(await readdir(folder)).toEqual(["a.pem"]);
  });
});

describe("assertWritableFolder", () => {
  it("passes a writable folder, and a missing one below a writable folder, creating nothing", async () => {
    const folder = join(root, "writable");
    await mkdir(folder);
    await assertWritableFolder(folder, ["certs", "private"]);
    await assertWritableFolder(join(folder, "not", "yet"));
    expect(await readdir(folder)).toEqual([]);
  });

  it("refuses a path that is a file, or lies below one, naming it", async () => {
    const file = join(root, "a-file");
    await writeFile(file, "");
    await expect(assertWritableFolder(file)).rejects.toThrow(
      `cannot write to ${file}: ${file} is a file, not a folder`,
    );
    await expect(assertWritableFolder(join(file, "out"))).rejects.toThrow(
      new FolderNotWritableError(join(file, "out"), `${file} is a file, not a folder`),
    );
  });

  it("refuses a folder where files cannot be created, whatever the permission bits say (/proc)", async () => {
    await expect(assertWritableFolder("/proc/edge-pki-out")).rejects.toThrow(/^cannot write to \/proc: /);
  });
});
