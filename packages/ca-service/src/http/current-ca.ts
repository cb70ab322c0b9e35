import type { ServiceContext } from "../app/service-context.js";
import type { IssuingCa } from "../core/device-certificate.js";

/** The context with the CA to sign with for this request (see `IssuingCaSource.current`). */
export async function withCurrentCa(context: ServiceContext): Promise<ServiceContext & { ca: IssuingCa }> {
  return { ...context, ca: await context.issuingCa.current() };
}
