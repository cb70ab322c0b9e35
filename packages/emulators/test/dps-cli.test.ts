import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The built command (`pnpm build` first), run as a developer runs it. */
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

function emulators(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

describe("edge-pki-emulators dps, run as a process", () => {
  it("has its own flags and help, and refuses a bad one in one line", async () => {
    const help = await emulators("dps", "--help");
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain("--device-port <port>");
    expect(await emulators("dps", "--service-port", "70000")).toMatchObject({
      code: 2,
      stderr: "edge-pki-emulators: Invalid --service-port: 70000; run edge-pki-emulators dps --help\n",
    });
  });

  it("prints its URLs, ID scope and connection string, answers, and stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dps-cli-"));
    const certificate = join(dir, "dps.pem");
    const args = [
      "dps",
      "--service-port",
      "0",
      "--device-port",
      "0",
      "--id-scope",
      "0ne00C0FFEE",
      "--cert-out",
      certificate,
    ];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 20 s: ${stdout}`)), 20_000);
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.includes("Connection string:")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      await started;
      expect(stdout).toContain("ID scope: 0ne00C0FFEE");
      expect(stdout).toMatch(
        /Connection string: HostName=localhost;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=\S+/,
      );
      const serviceUrl = /service API and ARM on (\S+),/.exec(stdout)?.[1] as string;
      const ca = await readFile(certificate, "utf8");
      const stats = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        request(`${serviceUrl}/_emulator/stats`, { ca }, (response) => {
          let body = "";
          response.on("data", (chunk) => {
            body += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        })
          .on("error", reject)
          .end();
      });
      expect(stats.status).toBe(200);
      expect(JSON.parse(stats.body)).toMatchObject({ registrations: { assigned: 0 } });
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
