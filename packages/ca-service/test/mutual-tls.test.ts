import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { connect, createServer, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opensslServerCertificate, type TempDir, tempDir } from "./support/openssl.js";
import { call, startTestService, type TestService } from "./support/service.js";

let ours: TestService;
let foreign: TestService;
let dir: TempDir;
let server: ReturnType<typeof createServer>;
let port: number;
const accepted: string[] = [];
const refused: string[] = [];

beforeAll(async () => {
  [ours, foreign] = await Promise.all([startTestService(), startTestService()]);
  dir = await tempDir();
  // A TLS server (standing in for IoT Hub/DPS) that trusts only our root and demands a client certificate.
  const ca = await call(`${ours.url}/v1/ca`);
  const { keyPath, certPath } = await opensslServerCertificate(dir, "server");
  server = createServer(
    {
      key: await readFile(keyPath),
      cert: await readFile(certPath),
      ca: ca.body.rootCertificatePem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      accepted.push(socket.getPeerCertificate().subject.CN as string);
      socket.end("hello device\n");
    },
  );
  server.on("tlsClientError", (error) => refused.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await Promise.all([ours.dispose(), foreign.dispose()]);
  await dir.remove();
});

/** Connects as a device presenting its key and full chain; resolves with what the server sent. */
function connectAsDevice(key: string, fullChain: string): Promise<string> {
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
    it(`accepts a device presenting an issued ${keyAlgorithm} key and its full chain`, async () => {
      const deviceId = `tls-${keyAlgorithm}`;
      const issued = await call(`${ours.url}/v1/credentials`, {
        token: ours.adminToken,
        body: { deviceId, keyAlgorithm },
      });
      expect(await connectAsDevice(issued.body.privateKeyPem, issued.body.fullChainPem)).toBe(
        "hello device\n",
      );
      expect(accepted).toContain(deviceId);
    });
  }

  it("refuses a device whose chain comes from another CA", async () => {
    const issued = await call(`${foreign.url}/v1/credentials`, {
      token: foreign.adminToken,
      body: { deviceId: "intruder" },
    });
    // With TLS 1.3 the client learns of the refusal after its side of the handshake: a reset or an empty stream.
    const outcome = await connectAsDevice(issued.body.privateKeyPem, issued.body.fullChainPem).catch(
      (error: Error) => error.message,
    );
    expect(outcome).not.toContain("hello device");
    expect(accepted).not.toContain("intruder");
    await expect.poll(() => refused.length).toBeGreaterThan(0);
  });
});
