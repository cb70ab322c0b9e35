/**
 * A mistake in how a command was called: `runProgram` prints it as one line on stderr, pointing at
 * the help of the command it concerns, and exits with status 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";

  /**
   * @param commandPath the command whose `--help` explains the mistake, such as `edge-pki-ca token
   * create`; when absent, `runProgram` names the command that was running.
   */
  constructor(
    message: string,
    readonly commandPath?: string,
  ) {
    super(message);
  }
}
