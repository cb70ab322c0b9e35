export { type CliCommand, parseCliArguments } from "./cli-options.js";
export {
  type DpsEmulator,
  type DpsEmulatorOptions,
  type DpsEmulatorStats,
  type DpsFaults,
  startDpsEmulator,
} from "./dps/server.js";
export type { TokenPredicate } from "./key-vault/auth.js";
export type { KeyVaultErrorCode, KeyVaultInnerErrorCode } from "./key-vault/errors.js";
export type { FaultOptions } from "./key-vault/faults.js";
export {
  type KeyVaultEmulator,
  type KeyVaultEmulatorOptions,
  type KeyVaultEmulatorStats,
  type KeyVaultFaultUpdate,
  SUPPORTED_API_VERSIONS,
  startKeyVaultEmulator,
} from "./key-vault/server.js";
export { type ThrottleOptions, TRANSACTION_TYPES, type TransactionType } from "./key-vault/throttle.js";
