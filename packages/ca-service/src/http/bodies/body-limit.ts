/** Every request body, whatever its type: enough for a CSR and its JSON envelope, and no more. */
export const MAX_BODY_BYTES = 64 * 1024;
