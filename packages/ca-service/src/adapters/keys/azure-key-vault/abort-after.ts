/**
 * An AbortSignal that fires after `ms`. Not `AbortSignal.timeout`: a timeout signal that is only
 * reachable through `AbortSignal.any` may be garbage-collected and never fire; this timer keeps its
 * controller alive until it fires or is cleared.
 */
export function abortAfter(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
