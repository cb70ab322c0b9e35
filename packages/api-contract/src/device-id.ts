/**
 * DPS's rule for X.509 registration IDs, which IoT Edge also uses as the device ID:
 * 1 to 64 characters of `A-Z a-z 0-9 - . _ :`, compared without regard to case. IDs made only of
 * dots (`.`, `..`) are refused as well: URL parsers resolve them as path segments, so no standard
 * client could address such a device.
 */
export const DEVICE_ID_PATTERN = /^(?!\.+$)[A-Za-z0-9\-._:]{1,64}$/;

export const DEVICE_ID_RULE =
  "1 to 64 characters of A-Z, a-z, 0-9, '-', '.', '_' or ':', not only dots (the DPS registration ID rule)";

/** A device-ID prefix (of a prefix-bound API token or EST credential): the device-ID alphabet, shorter than a whole device ID. */
export const DEVICE_PREFIX_PATTERN = /^[A-Za-z0-9\-._:]{1,63}$/;

export const DEVICE_PREFIX_RULE = "1 to 63 characters of A-Z, a-z, 0-9, '-', '.', '_' or ':'";
