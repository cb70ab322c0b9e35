export { ConfigTomlError, parseConfigToml, withTables } from "./config-toml-editor.js";
export { editConfigTomlFile } from "./config-toml-file.js";
export {
  type AutoRenew,
  type EstAuth,
  type EstDeviceConfig,
  estTables,
  isRenewalPolicyValue,
  withEstConfig,
} from "./est-config.js";
export {
  addEstOptions,
  DPS_GLOBAL_ENDPOINT,
  type EstFiles,
  type EstRequest,
  estRequestFromFlags,
  type LocalFile,
} from "./est-options.js";
