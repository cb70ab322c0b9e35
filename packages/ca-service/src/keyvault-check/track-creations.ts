import type { SdkClients } from "../adapters/keys/azure-key-vault/sdk-key-vault-client.js";

/** The SDK clients, and the certificate names for which a create may have reached the vault. */
export interface TrackedClients {
  clients: SdkClients;
  created: ReadonlySet<string>;
}

/**
 * Wraps the clients so that the check knows what it created, and cleans up (and reports) only that:
 * a certificate counts as created once a create request for it was answered with success, or with
 * no clear refusal (a timeout, a 5xx: it may exist). A 4xx refusal created nothing.
 */
export function trackCertificateCreations(clients: SdkClients): TrackedClients {
  const created = new Set<string>();
  const certificates = clients.certificates;
  const beginCreateCertificate: typeof certificates.beginCreateCertificate = async (name, ...rest) => {
    try {
      const poller = await certificates.beginCreateCertificate(name, ...rest);
      created.add(name);
      return poller;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === undefined || status >= 500) created.add(name);
      throw error;
    }
  };
  const tracked = new Proxy(certificates, {
    get(target, property) {
      if (property === "beginCreateCertificate") return beginCreateCertificate;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { clients: { ...clients, certificates: tracked }, created };
}
