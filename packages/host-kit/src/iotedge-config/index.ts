export { editConfigTomlFile } from "./config-toml-file.js";
export { ConfigTomlError, parseConfigToml, withTables } from "./config-toml-editor.js";
