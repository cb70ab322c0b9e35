export { type FileHost, type ProgramResult, type RunProgram, runWithoutShell, thisHost } from "./host.js";
export {
  assertNotWritableByOthers,
  DirectoryWritableByOthersError,
  ensurePrivateDirectory,
  type PrivateDirectoryOptions,
} from "./private-directory.js";
export { IcaclsError, icaclsArguments, restrictToAdministrators } from "./windows-acl.js";
export { writeNewFile } from "./write-new-file.js";
