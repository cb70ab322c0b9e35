import { type Command, CommanderError } from "commander";
import { commandPath, type HostCommand } from "./host-command.js";
import { UsageError } from "./usage-error.js";

export interface RunProgramOptions {
  /**
   * The message for a runtime error (default: its `message`), for instance with its causes. It is
   * printed as it is: a message that lists several items, one a line, keeps its lines.
   */
  describeError?: (error: unknown) => string;
  /** Hides secrets (passwords in URLs, tokens) in what is written to stderr. */
  maskSecrets?: (text: string) => string;
}

/**
 * Parses `argv` (the user's arguments, without node and the script) and runs the chosen action.
 * `--help` prints usage on stdout and exits 0. A usage mistake is one line on stderr,
 * `<program>: <mistake>; run <command> --help`, exit status 2. Any other error is
 * `<program>: <message>` on stderr, exit status 1, never a stack trace; secrets are masked in both.
 * Sets `process.exitCode` and never calls `process.exit`, so output is flushed and a server the
 * action started keeps running.
 */
export async function runProgram(
  program: HostCommand,
  argv: readonly string[],
  { describeError = messageOf, maskSecrets = (text) => text }: RunProgramOptions = {},
): Promise<void> {
  // A reader that goes away (`--help | head -3`) is no failure of ours: stop quietly, as other
  // command-line tools do, instead of dying on an unhandled EPIPE with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
  let running: Command = program;
  program.hook("preAction", (_program, actionCommand) => {
    running = actionCommand;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    // Help or version was printed: commander stops parsing by throwing.
    if (error instanceof CommanderError && error.exitCode === 0) return;
    const usage = error instanceof UsageError;
    const message = usage
      ? `${error.message.replace(/\s*\n\s*/g, " ")}; run ${error.commandPath ?? commandPath(running)} --help`
      : describeError(error);
    process.stderr.write(`${program.name()}: ${maskSecrets(message)}\n`);
    process.exitCode = usage ? 2 : 1;
  }
}

/** Whether `error` is commander stopping after it printed the help that was asked for. */
export function isHelpDisplayed(error: unknown): boolean {
  return error instanceof CommanderError && error.code === "commander.helpDisplayed";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
