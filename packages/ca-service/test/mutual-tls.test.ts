import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { connect, createServer, type TLSSocket } from "node:tls";
import type { CaInfo, IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { test } from "./support/fixtures.js";
import { opensslServerCertificate } from "./support/openssl.js";
import { call } from "./support/service.js";

/** What a TLS server standing in for IoT Hub/DPS saw: whom it let in, and why it refused. */
interface DeviceGate {
  port: number;
  accepted: string[];
  refused: string[];
}

// The stand-in trusts only the file's service's root and demands a client certificate.
const it = test.extend("gate", { scope: "file" }, async ({ service, dataDir }, { onCleanup }) => {
  const ca = await call<CaInfo>(`${service.url}/v1/ca`);
  const { keyPath, certPath } = await opensslServerCertificate(dataDir, "server");
  const gate: DeviceGate = { port: 0, accepted: [], refused: [] };
  const server = createServer(
    {
      key: await readFile(keyPath),
      cert: await readFile(certPath),
      ca: ca.body.rootCertificatePem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      gate.accepted.push(socket.getPeerCertificate().subject.CN as string);
      socket.end("hello device\n");
    },
  );
  server.on("tlsClientError", (error) => gate.refused.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  gate.port = (server.address() as AddressInfo).port;
  return gate;
});

/** Connects as a device presenting its key and full chain; resolves with what the server sent. */
function connectAsDevice(port: number, key: string, fullChain: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({
      host: "127.0.0.1",
      port,
      key,
      cert: fullChain,
      rejectUnauthorized: false,
    });
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      data += chunk;
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

describe("a real mutual-TLS handshake", () => {
  for (const keyAlgorithm of ["ECDSA_P256", "ECDSA_P384", "RSA_2048"] as const) {
    it(`accepts a device presenting an issued ${keyAlgorithm} key and its full chain`, async ({
      service,
      gate,
    }) => {
      const deviceId = `tls-${keyAlgorithm}`;
      const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId, keyAlgorithm },
      });
      expect(await connectAsDevice(gate.port, issued.body.privateKeyPem, issued.body.fullChainPem)).toBe(
        "hello device\n",
      );
      expect(gate.accepted).toContain(deviceId);
    });
  }

  it("refuses a device whose chain comes from another CA", async ({ gate, startService }) => {
    const foreign = await startService();
    const issued = await call<IssuedCredentials>(`${foreign.url}/v1/credentials`, {
      token: foreign.adminToken,
      body: { deviceId: "intruder" },
    });
    // With TLS 1.3 the client learns of the refusal after its side of the handshake: a reset or an empty stream.
    const outcome = await connectAsDevice(
      gate.port,
      issued.body.privateKeyPem,
      issued.body.fullChainPem,
    ).catch((error: Error) => error.message);
    expect(outcome).not.toContain("hello device");
    expect(gate.accepted).not.toContain("intruder");
    await expect.poll(() => gate.refused.length).toBeGreaterThan(0);
  });
});
