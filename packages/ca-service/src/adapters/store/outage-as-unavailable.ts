import { CaError } from "../../core/errors.js";
import type { CertificateStore } from "../../ports/certificate-store.js";

/**
 * The one place where a store failure becomes `unavailable` (503 with Retry-After): every method of
 * the wrapped store that fails with anything but a CaError fails with one, its cause kept for logs
 * only. Operations may still catch it to say more (a certificate not issued, a token used by
 * another replica); none can forget to and answer 500.
 */
export function outageAsUnavailable(store: CertificateStore): CertificateStore {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        (value as (...parameters: unknown[]) => Promise<unknown>).apply(target, args).catch((cause) => {
          if (cause instanceof CaError) throw cause;
          throw new CaError("unavailable", "the certificate store is unavailable; try again later", {
            cause,
          });
        });
    },
  });
}
