const SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Whether `token` has the three segments of a compact JWS but one of them is not written the one
 * way base64url writes it: with padding, whitespace, other characters, or stray bits in its last
 * character. jose decodes leniently (atob ignores such bits and spaces), so several strings would
 * pass for one token; a token altered in transit should be refused, not quietly read as the
 * original. (What is not three segments at all is for the JWT reader to call malformed.)
 */
export function isLooseCompactJws(token: string): boolean {
  const segments = token.split(".");
  return (
    segments.length === 3 &&
    segments.some(
      (segment) =>
        !SEGMENT.test(segment) || Buffer.from(segment, "base64url").toString("base64url") !== segment,
    )
  );
}
