/** `scheme://user:password@`: the password part of any URL in a text. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#@]*@/gi;

/**
 * Masks the password of every URL with credentials in `text` (a database URL, a proxy), so that
 * messages can show which URL is wrong without showing its secret.
 *
 * @example maskCredentials("postgres://app:s3cret@db/pki") // "postgres://app:***@db/pki"
 */
export function maskCredentials(text: string): string {
  return text.replace(URL_PASSWORD, "$1***@");
}
