/** What a caller may be allowed to do: named by the API's operations, granted by roles. */
export type { Permission } from "@edge-pki/api-contract";
