import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** A program built on the kit (test/fixtures/demo-cli.mjs, on the built dist), run as a child process. */
const DEMO = fileURLToPath(new URL("./fixtures/demo-cli.mjs", import.meta.url));

function demo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

describe("a program made with createProgram and runProgram", () => {
  it("stops quietly, exit 0, when its reader goes away (| head)", async () => {
    const child = spawn(process.execPath, [DEMO, "flood"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    // Read the first lines, then go away, as `head -3` does.
    await once(child.stdout, "data");
    child.stdout.destroy();
    const [code] = await once(child, "close");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  });

  it("runs the chosen command: its output on stdout, nothing on stderr, exit 0", async () => {
    expect(await demo("greet", "--name", "Ada", "--loud", "--data-dir", "/srv")).toEqual({
      code: 0,
      stdout: "hello Ada!\n",
      stderr: "",
    });
    // A value that starts with '-' is taken when attached to its flag.
    expect((await demo("greet", "--name=-x")).stdout).toBe("hello -x\n");
  });

  it("prints usage on stdout and exits 0 for --help, -h and help", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const result = await demo(...args);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toContain("Usage: demo [options] [command]");
      expect(result.stdout).toContain("greet");
    }
    const greet = await demo("greet", "--help");
    expect(greet).toMatchObject({ code: 0, stderr: "" });
    expect(greet.stdout).toContain("Usage: demo greet [options]");
    expect(greet.stdout).toContain("--name <name>");
    // Flags of the program show in each command's help.
    expect(greet.stdout).toContain("--data-dir <dir>");
  });

  for (const [args, line] of [
    [[], "demo: missing command (greet, fail, flood); run demo --help"],
    [["launch"], "demo: unknown command 'launch'; run demo --help"],
    [["greet", "--bogus"], "demo: Unknown option '--bogus'; run demo greet --help"],
    [
      ["greet", "extra"],
      "demo: too many arguments for 'greet'. Expected 0 arguments but got 1; run demo greet --help",
    ],
    [["greet", "--name"], "demo: option '--name <name>' argument missing; run demo greet --help"],
    [["greet", "--name", "a", "--name", "b"], "demo: --name was given more than once; run demo greet --help"],
    [["greet", "--name", "a", "--name=b"], "demo: --name was given more than once; run demo greet --help"],
    [
      ["greet", "--loud", "--loud", "--name", "a"],
      "demo: --loud was given more than once; run demo greet --help",
    ],
    [
      ["--data-dir", "a", "greet", "--data-dir", "b"],
      "demo: --data-dir was given more than once; run demo --help",
    ],
    [
      ["greet", "--name", "-x"],
      "demo: Option '--name' argument is ambiguous (for a value that starts with '-', write --name=-x); run demo greet --help",
    ],
    // Thrown by the action: named after the command that ran.
    [["greet"], "demo: --name is needed; run demo greet --help"],
    [
      ["greet", "--name", "two\nlines"],
      'demo: --name must fit on one line, not "two\\nlines" really; run demo greet --help',
    ],
  ] as const) {
    it(`usage mistake, one line on stderr, exit 2: ${args.join(" ") || "(no command)"}`, async () => {
      expect(await demo(...args)).toEqual({ code: 2, stdout: "", stderr: `${line}\n` });
    });
  }

  it("reports a runtime error as one line, exit 1, never a stack trace", async () => {
    expect(await demo("fail", "--message", "the vault refused")).toEqual({
      code: 1,
      stdout: "",
      stderr: "demo: the vault refused\n",
    });
    // describeError shapes the line; here it adds the cause.
    expect((await demo("fail", "--message", "cannot sign", "--cause", "403 Forbidden")).stderr).toBe(
      "demo: cannot sign: 403 Forbidden\n",
    );
  });

  it("masks secrets in every line it writes to stderr", async () => {
    const runtime = await demo("fail", "--message", "cannot reach postgres://app:s3cret@db/pki");
    expect(runtime.stderr).toBe("demo: cannot reach postgres://app:***@db/pki\n");
    const usage = await demo("greet", "--s3cret");
    expect(usage.stderr).toBe("demo: Unknown option '--***'; run demo greet --help\n");
  });
});
