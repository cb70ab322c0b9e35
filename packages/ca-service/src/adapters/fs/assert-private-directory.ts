import { stat } from "node:fs/promises";
import { CaError } from "../../core/errors.js";

/**
 * Refuses a data folder other users may write to: they could swap the CA certificates, delete keys
 * or replace the passphrase file. Reading is the operator's choice; writing is not.
 */
export async function assertPrivateDirectory(path: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if ((mode & 0o022) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(3, "0");
    throw new CaError(
      "ca_material_invalid",
      `the data folder ${path} is writable by other users (mode ${octal}): run chmod go-w on it (0700 is best)`,
    );
  }
}
