/**
 * What has to be undone, newest first: servers stopped, databases dropped, folders removed. The
 * bench's watchdog and signals run it too, so a hung server never outlives the run.
 */
export class Cleanup {
  #steps: (() => Promise<void>)[] = [];

  /** Registers `step`; the returned function runs it now (once) and forgets it. */
  add(step: () => Promise<void>): () => Promise<void> {
    let done: Promise<void> | undefined;
    const once = () => {
      done ??= step();
      return done;
    };
    this.#steps.push(once);
    return async () => {
      this.#steps = this.#steps.filter((candidate) => candidate !== once);
      await once();
    };
  }

  /** Runs every step still registered, newest first; a failing step does not stop the others. */
  async runAll(): Promise<Error[]> {
    const errors: Error[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      await step().catch((error: unknown) =>
        errors.push(error instanceof Error ? error : new Error(String(error))),
      );
    }
    return errors;
  }
}
