import type { IssuedCertificate } from "@edge-pki/api-contract";
import { type Answer, call, type TestService } from "./service.js";

/**
 * Redeems one bootstrap token `times` times at once, the requests going to each replica in turn:
 * how a device retrying over a load balancer, or an attacker replaying, would send them.
 */
export function redeemAtOnce(
  replicas: Pick<TestService, "url">[],
  token: string,
  csrPem: string,
  times: number,
): Promise<Answer<IssuedCertificate>[]> {
  return Promise.all(
    Array.from({ length: times }, (_, index) =>
      call<IssuedCertificate>(
        `${(replicas[index % replicas.length] as Pick<TestService, "url">).url}/v1/certificates`,
        {
          body: { csr: csrPem },
          token,
        },
      ),
    ),
  );
}
