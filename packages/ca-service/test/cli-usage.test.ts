import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

describe("edge-pki-ca usage", () => {
  /** Runs `args`, which must print usage on stdout and exit 0, and checks that it names each of `texts`. */
  async function expectUsage(args: string[], texts: string[]): Promise<void> {
    const help = await runCli(args, {});
    expect(help).toMatchObject({ code: 0, stderr: "" });
    for (const text of texts) expect(help.stdout).toContain(text);
  }

  it("prints its usage on stdout and exits 0 for --help", async () => {
    await expectUsage(
      ["--help"],
      ["init", "serve", "start", "token", "--data-dir <dir>", "--vault-url <url>", "EDGE_PKI_KEYVAULT_URL"],
    );
    await expectUsage(
      ["token", "create", "--help"],
      [
        "--role <role>",
        "--device-prefix <prefix>",
        "--ttl <duration>",
        "--subject <name>",
        "--data-dir <dir>",
      ],
    );
  });

  it("names the commands in one line, exit 2, when none is given", async () => {
    expect(await runCli([], {})).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "edge-pki-ca: missing command (init, serve, start, token, est-credential, intermediate); run edge-pki-ca --help\n",
    });
    expect((await runCli(["token"], {})).stderr).toBe(
      "edge-pki-ca: missing command (create, list, revoke); run edge-pki-ca token --help\n",
    );
    expect((await runCli(["est-credential"], {})).stderr).toBe(
      "edge-pki-ca: missing command (create, list, revoke); run edge-pki-ca est-credential --help\n",
    );
    expect((await runCli(["intermediate"], {})).stderr).toBe(
      "edge-pki-ca: missing command (retire); run edge-pki-ca intermediate --help\n",
    );
  });

  it("refuses a setting flag given twice, before or after the command", async () => {
    const twice = await runCli(["--data-dir", "/tmp/a", "init", "--data-dir", "/tmp/b"], {});
    expect(twice).toEqual({
      code: 2,
      stdout: "",
      stderr: "edge-pki-ca: --data-dir was given more than once; run edge-pki-ca --help\n",
    });
  });
});
