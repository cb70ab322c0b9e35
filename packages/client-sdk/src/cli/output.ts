/**
 * What a command prints as its result: JSON for scripts with `--json`, otherwise lines for people.
 * Results go to stdout; messages for the operator go to stderr.
 */
export function printResult(json: boolean, result: unknown, lines: () => readonly string[]): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${lines().join("\n")}\n`);
}

/** A note for the operator, on stderr, never mixed with a result. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}
