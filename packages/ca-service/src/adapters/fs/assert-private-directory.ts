import { assertNotWritableByOthers, DirectoryWritableByOthersError } from "@edge-pki/host-kit/private-files";
import { CaError } from "../../core/errors.js";

/**
 * Refuses a data folder other users may write to: they could swap the CA certificates, delete keys
 * or replace the passphrase file. Reading is the operator's choice; writing is not.
 */
export async function assertPrivateDirectory(path: string): Promise<void> {
  try {
    await assertNotWritableByOthers(path);
  } catch (error) {
    if (error instanceof DirectoryWritableByOthersError) {
      throw new CaError("ca_material_invalid", `the data folder ${error.message}`, { cause: error });
    }
    throw error;
  }
}
