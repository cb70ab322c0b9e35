import { execFile } from "node:child_process";

/** What a program printed and how it ended. */
export interface ProgramResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `file` with `args`, each passed as one argument, never through a shell. */
export type RunProgram = (file: string, args: readonly string[]) => Promise<ProgramResult>;

/** The machine the helpers act on: injected so that the Windows branch can be tested on Linux. */
export interface FileHost {
  platform: NodeJS.Platform;
  run: RunProgram;
  /** %SystemRoot%, whose System32 holds icacls.exe (Windows only). */
  windowsDirectory: string;
}

/**
 * `execFile` with `shell: false`: the arguments reach the program as they are, so characters that
 * cmd.exe or sh would interpret (`&`, `%`, `^`, quotes, `$(…)`) are plain text. Resolves with the exit
 * status, also a non-zero one; rejects only when the program could not be started.
 */
export const runWithoutShell: RunProgram = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { shell: false, windowsHide: true, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(error);
          return;
        }
        resolve({ exitCode: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });

/** The machine this process runs on. */
export const thisHost: FileHost = {
  platform: process.platform,
  run: runWithoutShell,
  windowsDirectory: process.env.SystemRoot ?? "C:\\Windows",
};
