/**
 * The official Azure clients from npm, pointed at the emulator on 127.0.0.1. They take a host name
 * only (no port), so an https.Agent with the emulator's address, port and TLS certificate carries
 * the connection (azure-iot-http-base's `setOptions({ http: { agent } })`; agent options win over
 * request options). Host names stay `localhost`, which the emulator's certificate names.
 */
import { Agent } from "node:https";
import { IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import type { TokenCredential } from "@azure/core-auth";
import { ConnectionString, SharedAccessSignature } from "azure-iot-common";
import { Http as HttpBase, RestApiClient } from "azure-iot-http-base";
import { ProvisioningDeviceClient, type RegistrationResult } from "azure-iot-provisioning-device";
import { Http as ProvisioningHttp } from "azure-iot-provisioning-device-http";
import { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { X509Security } from "azure-iot-security-x509";
import type { DpsEmulator } from "../../src/index.js";

function agentFor(url: string, ca: string): Agent {
  const { hostname, port } = new URL(url);
  return new Agent({ host: hostname, port: Number(port), ca, keepAlive: false });
}

/** `ProvisioningServiceClient` with the emulator's connection string (or another one). */
export function serviceClient(
  dps: DpsEmulator,
  connectionString = dps.connectionString,
): ProvisioningServiceClient {
  const parsed = ConnectionString.parse(connectionString, [
    "HostName",
    "SharedAccessKeyName",
    "SharedAccessKey",
  ]);
  const config = {
    host: parsed.HostName as string,
    sharedAccessSignature: SharedAccessSignature.create(
      parsed.HostName as string,
      parsed.SharedAccessKeyName as string,
      parsed.SharedAccessKey as string,
      Math.floor(Date.now() / 1000) + 3600,
    ),
  };
  const http = new HttpBase();
  http.setOptions({ http: { agent: agentFor(dps.serviceUrl, dps.caCertificatePem) } });
  // The service package pins its own azure-iot-common and http-base: same shapes, other type identities.
  type Config = ConstructorParameters<typeof ProvisioningServiceClient>[0];
  type Rest = ConstructorParameters<typeof ProvisioningServiceClient>[1];
  const rest = new RestApiClient(config as never, "edge-pki-tests", http) as unknown as Rest;
  return new ProvisioningServiceClient(config as unknown as Config, rest);
}

/** Registers with the official device client over HTTP, with a PEM chain (leaf first) and its key. */
export function register(
  dps: DpsEmulator,
  registrationId: string,
  credentials: { cert: string; key: string },
): Promise<RegistrationResult> {
  const base = new HttpBase();
  base.setOptions({ http: { agent: agentFor(dps.deviceUrl, dps.caCertificatePem) } });
  // The device transport pins azure-iot-http-base 1.12.1: same class, another type identity.
  const transport = new ProvisioningHttp(
    base as unknown as ConstructorParameters<typeof ProvisioningHttp>[0],
  );
  const security = new X509Security(registrationId, credentials);
  const client = ProvisioningDeviceClient.create("localhost", dps.idScope, transport, security);
  return client.register() as Promise<RegistrationResult>;
}

/** Any token will do for the emulator's ARM routes. */
export const armCredential: TokenCredential = {
  getToken: async () => ({ token: "arm-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export function armClient(dps: DpsEmulator): IotDpsClient {
  return new IotDpsClient(armCredential, "00000000-0000-0000-0000-000000000001", {
    endpoint: dps.serviceUrl,
    tlsOptions: { ca: dps.caCertificatePem },
    retryOptions: { maxRetries: 0 },
  } as ConstructorParameters<typeof IotDpsClient>[2]);
}
