import {
  DirectoryNotPrivateError,
  DirectoryWritableByOthersError,
  ensurePrivateDirectory,
  type PrivateDirectory,
  restrictExistingDirectory,
} from "@edge-pki/host-kit/private-files";
import { CaError } from "../../core/errors.js";

/**
 * The data folder, made private. It holds the CA keys, the passphrase, the database and the admin
 * token: a folder others may write to is refused (they could have swapped certificates, deleted keys
 * or replaced the passphrase file); one they may only read is made the owner's alone. Only a command
 * that creates CA material creates the folder; undefined when it is absent and may not be created.
 */
export async function privateDataFolder(
  path: string,
  access: "create" | "use",
): Promise<PrivateDirectory | undefined> {
  try {
    return access === "create" ? await ensurePrivateDirectory(path) : await restrictExistingDirectory(path);
  } catch (error) {
    if (error instanceof DirectoryWritableByOthersError || error instanceof DirectoryNotPrivateError) {
      throw new CaError("ca_material_invalid", `the data folder ${error.message}`, { cause: error });
    }
    throw error;
  }
}
