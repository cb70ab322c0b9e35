import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const MESSAGES_MODULE = fileURLToPath(new URL("../dist/workers/messages.js", import.meta.url));

it("a message to a primary that is gone reports the failure instead of ending the worker with a stack trace", async () => {
  // A child with an IPC channel, as a worker has; the parent closes the channel, as a primary that
  // exits does.
  const script = `
    const { tellPrimary } = await import(${JSON.stringify(MESSAGES_MODULE)});
    process.on("disconnect", () => {
      tellPrimary({ kind: "edge-pki:channel-open" }).then((sent) => console.log(sent ? "sent" : "failed"));
      setTimeout(() => console.log("still running"), 100);
    });
    process.send("listening");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  await once(child, "message");
  child.disconnect();
  // Its exit may come before all it printed has been read, and a child whose channel the parent
  // closed gets no "close" event: wait for the exit and for the end of both outputs.
  const [[code]] = await Promise.all([
    once(child, "exit"),
    ...[child.stdout, child.stderr].map((output) => output && once(output, "end")),
  ]);
  expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: "failed\nstill running\n", stderr: "" });
});
