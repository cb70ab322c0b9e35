import { defineProject } from "vitest/config";

// The scenarios run the real CA, the DPS emulator and the command as child processes, several times
// each; on a busy 2-core machine one scenario can take a minute. The bound is a hang guard, not a goal.
export default defineProject({
  test: {
    name: "eflow-bootstrap",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
