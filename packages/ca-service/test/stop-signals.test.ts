import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const STOP_SIGNALS_MODULE = fileURLToPath(new URL("../dist/cli/stop-signals.js", import.meta.url));

/**
 * Runs `body` in a Node process of its own, after `const signals = listenForStopSignals()`. A
 * process that is still running after 3 s says so and exits 0: the signal was lost.
 */
async function runWithStopSignals(body: string): Promise<{ code: number | null; stdout: string }> {
  const script = `
    const { listenForStopSignals } = await import(${JSON.stringify(STOP_SIGNALS_MODULE)});
    const signals = listenForStopSignals();
    setTimeout(() => { console.log("still running"); process.exit(0); }, 3000);
    ${body}
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  // "close", not "exit": only then has all it printed been read.
  const [code] = await once(child, "close");
  return { code, stdout };
}

describe("stop signals", () => {
  it("a signal before there is anything to drain ends the process at once, 128 + its number", async () => {
    expect(await runWithStopSignals(`process.kill(process.pid, "SIGTERM");`)).toEqual({
      code: 143,
      stdout: "",
    });
    expect(await runWithStopSignals(`process.kill(process.pid, "SIGINT");`)).toEqual({
      code: 130,
      stdout: "",
    });
  });

  it("a signal caught just before the stop is set runs the stop: it is not dropped", async () => {
    // The signal is caught by the kill, and handed to JavaScript only after the stop is set: the
    // moment a supervisor that signals as soon as the service says it is up can hit.
    const outcome = await runWithStopSignals(`
      process.kill(process.pid, "SIGTERM");
      signals.stopWith(async () => { console.log("stopped"); return 7; });
    `);
    expect(outcome).toEqual({ code: 7, stdout: "stopped\n" });
  });

  it("runs the stop once, however many signals and events come, and exits with its status", async () => {
    const outcome = await runWithStopSignals(`
      signals.stopWith(async () => {
        console.log("stopping");
        await new Promise((resolve) => setTimeout(resolve, 200));
        return 0;
      }, ["disconnect"]);
      process.kill(process.pid, "SIGTERM");
      setTimeout(() => { process.kill(process.pid, "SIGINT"); process.emit("disconnect"); }, 50);
    `);
    expect(outcome).toEqual({ code: 0, stdout: "stopping\n" });
  });

  it("a stop that fails exits 1", async () => {
    const outcome = await runWithStopSignals(`
      signals.stopWith(async () => { throw new Error("the store would not close"); });
      process.kill(process.pid, "SIGTERM");
    `);
    expect(outcome).toEqual({ code: 1, stdout: "" });
  });
});
