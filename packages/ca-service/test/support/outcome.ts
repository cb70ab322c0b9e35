/** How one call ended, in a form that crosses a thread boundary: the value, or what went wrong. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export async function settle<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    // Driver errors carry a code (SQLITE_CONSTRAINT_PRIMARYKEY, 23505): the quickest clue in a report.
    const { message, code } = error as { message?: unknown; code?: unknown };
    const text = typeof message === "string" ? message : String(error);
    return { ok: false, error: typeof code === "string" ? `${code}: ${text}` : text };
  }
}
