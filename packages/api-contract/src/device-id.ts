/**
 * DPS's rule for X.509 registration IDs, which IoT Edge also uses as the device ID: 1 to 64
 * characters of `A-Z a-z 0-9 - . _ :`, the last a letter, a digit or `-` ("The last character must
 * be alphanumeric or dash", Microsoft's DPS docs), compared without regard to case. That also
 * refuses IDs made only of dots (`.`, `..`), which URL parsers resolve as path segments.
 */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9\-._:]{0,63}[A-Za-z0-9-]$/;

export const DEVICE_ID_RULE =
  "1 to 64 characters of A-Z, a-z, 0-9, '-', '.', '_' or ':', the last a letter, a digit or '-' (the DPS registration ID rule)";

/** A device-ID prefix (of a prefix-bound API token or EST credential): the device-ID alphabet, shorter than a whole device ID. */
export const DEVICE_PREFIX_PATTERN = /^[A-Za-z0-9\-._:]{1,63}$/;

export const DEVICE_PREFIX_RULE = "1 to 63 characters of A-Z, a-z, 0-9, '-', '.', '_' or ':'";
