import { expect, it } from "vitest";
import { RestartBudget } from "../src/workers/restart-budget.js";

it("allows `max` restarts within any window, and more as the earlier ones leave it", () => {
  const budget = new RestartBudget(3, 60_000);
  expect([0, 10_000, 20_000].map((at) => budget.allow(at))).toEqual([true, true, true]);
  expect(budget.allow(59_999), "a fourth within the minute of the first").toBe(false);
  expect(budget.allow(60_000), "the first has left the window").toBe(true);
  expect(budget.allow(60_001), "refusals are not counted, but the three since are").toBe(false);
  expect(budget.allow(80_000)).toBe(true);
});
