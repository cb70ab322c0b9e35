export { type FileHost, type ProgramResult, type RunProgram, runWithoutShell, thisHost } from "./host.js";
export {
  DirectoryNotPrivateError,
  DirectoryWritableByOthersError,
  ensurePrivateDirectory,
  type PrivateDirectory,
  type PrivateDirectoryOptions,
  restrictExistingDirectory,
} from "./private-directory.js";
export { type FileToWrite, replaceFiles } from "./replace-files.js";
export { IcaclsError, icaclsArguments, restrictToAdministrators } from "./windows-acl.js";
export { assertWritableFolder, FolderNotWritableError } from "./writable-folder.js";
export { writeNewFile } from "./write-new-file.js";
