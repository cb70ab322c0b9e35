import { Agent } from "node:https";
import { checkServerIdentity } from "node:tls";
import type { TokenCredential } from "@azure/core-auth";
// CommonJS packages whose exports Node cannot name statically: taken from their module.exports.
import azureIotCommon from "azure-iot-common";
import azureIotHttpBase from "azure-iot-http-base";
import { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { BootstrapError } from "../errors.js";

const { ConnectionString, SharedAccessSignature } = azureIotCommon;
const { Http: HttpBase, RestApiClient } = azureIotHttpBase;
type ConnectionString = InstanceType<typeof ConnectionString>;

/** The scope of DPS's data plane for Microsoft Entra ID tokens. */
const DPS_SCOPE = "https://azure-devices-provisioning.net/.default";

/** How an operator reaches the DPS service API. */
export type DpsAuthentication =
  | { kind: "connection-string"; connectionString: string }
  | { kind: "token-credential"; hostName: string; credential: TokenCredential };

export interface DpsConnection {
  authentication: DpsAuthentication;
  /**
   * Another address for the service API, such as `https://127.0.0.1:8445` for the emulator: the host
   * name stays the one SAS tokens are signed for; only the connection goes elsewhere.
   */
  endpoint?: string | undefined;
  /** PEM of a CA to trust for `endpoint` (the emulator's certificate). */
  caPem?: string | undefined;
}

/**
 * The official `azure-iot-provisioning-service` client. It takes a host name and no port, so a
 * different endpoint is reached through an https.Agent that carries the address, port and trust
 * (azure-iot-http-base's `setOptions({ http: { agent } })`; an agent's options win over a request's).
 */
export function provisioningServiceClient(connection: DpsConnection): ProvisioningServiceClient {
  const { authentication } = connection;
  if (connection.endpoint === undefined) {
    return authentication.kind === "connection-string"
      ? ProvisioningServiceClient.fromConnectionString(authentication.connectionString)
      : ProvisioningServiceClient.fromTokenCredential(authentication.hostName, authentication.credential);
  }
  const config =
    authentication.kind === "connection-string"
      ? sasConfig(authentication.connectionString)
      : { host: authentication.hostName, tokenCredential: authentication.credential, tokenScope: DPS_SCOPE };
  const http = new HttpBase();
  http.setOptions({ http: { agent: agentFor(connection.endpoint, connection.caPem) } });
  // The service package pins its own azure-iot-http-base and -common: same shapes, other type identities.
  type Config = ConstructorParameters<typeof ProvisioningServiceClient>[0];
  type Rest = ConstructorParameters<typeof ProvisioningServiceClient>[1];
  const rest = new RestApiClient(config as never, "edge-pki-eflow-bootstrap", http) as unknown as Rest;
  return new ProvisioningServiceClient(config as unknown as Config, rest);
}

function sasConfig(connectionString: string) {
  const parsed = parseConnectionString(connectionString);
  // Signed once; RestApiClient extends a SharedAccessSignature object by an hour on every request.
  const sharedAccessSignature = SharedAccessSignature.create(
    parsed.HostName as string,
    parsed.SharedAccessKeyName as string,
    parsed.SharedAccessKey as string,
    Math.floor(Date.now() / 1000) + 3600,
  );
  return { host: parsed.HostName as string, sharedAccessSignature };
}

function parseConnectionString(connectionString: string): ConnectionString {
  try {
    return ConnectionString.parse(connectionString, ["HostName", "SharedAccessKeyName", "SharedAccessKey"]);
  } catch (error) {
    throw new BootstrapError(
      "config_invalid",
      "the DPS connection string needs HostName, SharedAccessKeyName and SharedAccessKey",
      { cause: error },
    );
  }
}

/** An agent to `endpoint`, whose certificate is checked for the endpoint's own host name. */
function agentFor(endpoint: string, caPem: string | undefined): Agent {
  const url = new URL(endpoint);
  if (url.protocol !== "https:") throw new BootstrapError("config_invalid", `${endpoint} must be https://`);
  return new Agent({
    host: url.hostname,
    port: Number(url.port || 443),
    ...(caPem !== undefined && { ca: caPem }),
    checkServerIdentity: (_servername, certificate) => checkServerIdentity(url.hostname, certificate),
  });
}
