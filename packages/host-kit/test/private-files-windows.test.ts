import { chmod, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, win32 } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensurePrivateDirectory,
  type FileHost,
  IcaclsError,
  type ProgramResult,
  restrictToAdministrators,
  runWithoutShell,
} from "../src/private-files/index.js";

/**
 * The Windows branch, run on Linux: the platform and the process runner are injected, so these
 * tests check the exact icacls call, not what Windows does with it.
 */
const ICACLS = "C:\\Windows\\System32\\icacls.exe";
const GRANTS = ["/inheritance:r", "/grant:r", "*S-1-5-32-544:(OI)(CI)F", "*S-1-5-18:(OI)(CI)F"];

function windowsHost(result: ProgramResult | Error = { exitCode: 0, stdout: "", stderr: "" }) {
  const calls: { file: string; args: readonly string[] }[] = [];
  const host: FileHost = {
    platform: "win32",
    windowsDirectory: "C:\\Windows",
    run: async (file, args) => {
      calls.push({ file, args });
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { host, calls };
}

describe("restrictToAdministrators", () => {
  it("runs System32's icacls with the folder as one argument, however it is spelled", async () => {
    for (const path of [
      "C:\\ProgramData\\Edge PKI\\device keys",
      'C:\\Data\\it\'s "quoted"',
      "C:\\Data\\a & b | c > d",
      "C:\\Data\\%PATH% and %~dp0",
      "C:\\Data\\^caret^ and !bang!",
      "C:\\Données\\Zertifikate für Geräte\\証明書",
      "\\\\fileserver\\share\\edge pki",
      "C:\\Data\\$(whoami); rm -rf",
    ]) {
      const { host, calls } = windowsHost();
      await restrictToAdministrators(path, host);
      expect(calls).toEqual([{ file: ICACLS, args: [path, ...GRANTS] }]);
    }
  });

  it("makes the path absolute first, so that it can never be read as a /switch", async () => {
    for (const path of ["/grant:r", "/inheritance:e", "relative\\keys", "C:\\Data\\..\\Keys"]) {
      const { host, calls } = windowsHost();
      await restrictToAdministrators(path, host);
      const [target] = calls[0]?.args ?? [];
      expect(target).toBe(win32.resolve(path));
      expect(target?.startsWith("/")).toBe(false);
      expect(win32.isAbsolute(target as string)).toBe(true);
    }
  });

  it("reports a failing icacls in one line with its exit status and first message", async () => {
    const { host } = windowsHost({
      exitCode: 5,
      stdout: "",
      stderr: "C:\\Keys: Access is denied.\r\nSuccessfully processed 0 files; Failed processing 1 files\r\n",
    });
    const failure = restrictToAdministrators("C:\\Keys", host);
    await expect(failure).rejects.toBeInstanceOf(IcaclsError);
    await expect(failure).rejects.toThrow(
      /^icacls could not make C:\\Keys private to Administrators and SYSTEM: exit status 5: C:\\Keys: Access is denied\.$/,
    );
  });

  it("falls back to stdout when icacls says nothing on stderr", async () => {
    const { host } = windowsHost({
      exitCode: 1332,
      stdout: "No mapping between account names and security IDs was done.\r\n",
      stderr: "",
    });
    await expect(restrictToAdministrators("C:\\Keys", host)).rejects.toThrow(
      "exit status 1332: No mapping between account names and security IDs was done.",
    );
  });

  it("reports an icacls that could not be started", async () => {
    const { host } = windowsHost(
      Object.assign(new Error("spawn C:\\Windows\\System32\\icacls.exe ENOENT"), { code: "ENOENT" }),
    );
    await expect(restrictToAdministrators("C:\\Keys", host)).rejects.toThrow(
      `icacls could not make C:\\Keys private to Administrators and SYSTEM: could not run ${ICACLS}: spawn`,
    );
  });
});

describe("ensurePrivateDirectory on Windows", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "host-kit-windows-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("creates the folder, then sets its ACL instead of judging its mode", async () => {
    const path = join(root, "made");
    const { host, calls } = windowsHost();
    await ensurePrivateDirectory(path, { host });
    expect((await stat(path)).isDirectory()).toBe(true);
    expect(calls).toEqual([{ file: ICACLS, args: [win32.resolve(path), ...GRANTS] }]);
  });

  it("sets the ACL on an existing folder too, where POSIX would refuse its mode", async () => {
    const { host, calls } = windowsHost();
    await chmod(root, 0o777);
    await ensurePrivateDirectory(root, { host });
    expect(calls).toHaveLength(1);
  });
});

describe("runWithoutShell (the real process runner)", () => {
  const ECHO_ARGV = "process.stdout.write(JSON.stringify(process.argv.slice(1)))";

  it("hands each argument to the program as it is: no shell splits, expands or runs anything", async () => {
    const args = [
      "C:\\Program Files\\Edge PKI",
      'it\'s "quoted"',
      "a & b && c || d | e > f",
      "%PATH% %~dp0 !bang!",
      "^caret^",
      "$(touch /tmp/host-kit-injected) `id` $HOME ; echo no",
      "Zertifikate für Geräte 証明書",
      "",
    ];
    const result = await runWithoutShell(process.execPath, ["-e", ECHO_ARGV, ...args]);
    expect(result).toEqual({ exitCode: 0, stdout: JSON.stringify(args), stderr: "" });
    await expect(stat("/tmp/host-kit-injected")).rejects.toThrow("ENOENT");
  });

  it("resolves with a non-zero exit status and what the program printed", async () => {
    const result = await runWithoutShell(process.execPath, [
      "-e",
      "console.error('denied'); process.exit(5)",
    ]);
    expect(result).toEqual({ exitCode: 5, stdout: "", stderr: "denied\n" });
  });

  it("rejects when the program does not exist", async () => {
    await expect(runWithoutShell("/nonexistent/icacls.exe", [])).rejects.toMatchObject({ code: "ENOENT" });
  });
});
