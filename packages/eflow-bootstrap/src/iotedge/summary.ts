/** What `iotedge list` and `iotedge check` said, in a few words. */
export interface IotEdgeSummary {
  /** Module name and status, from `iotedge list`. */
  modules: { name: string; status: string }[];
  succeeded: number;
  warnings: number;
  errors: number;
  /** One line for the operator. */
  text: string;
  /** edgeAgent runs and no check raised an error. */
  healthy: boolean;
}

/**
 * Reads `iotedge list` (a table: NAME STATUS DESCRIPTION CONFIG) and the closing counts of
 * `iotedge check` ("23 check(s) succeeded.", "2 check(s) raised warnings…", "1 check(s) raised errors…").
 */
export function summariseIotEdge(list: string, check: string): IotEdgeSummary {
  const modules = list
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s{2,}|\t/))
    .filter((cells) => cells.length >= 2 && cells[0] !== "NAME" && /^[A-Za-z][\w-]*$/.test(cells[0] ?? ""))
    .map((cells) => ({ name: cells[0] as string, status: cells[1] as string }));
  const count = (pattern: RegExp) => Number(pattern.exec(check)?.[1] ?? 0);
  const succeeded = count(/(\d+) check\(s\) succeeded/);
  const warnings = count(/(\d+) check\(s\) raised warnings/);
  const errors = count(/(\d+) check\(s\) raised errors/);
  const agent = modules.find((module) => module.name === "edgeAgent");
  const healthy = agent?.status.toLowerCase() === "running" && errors === 0;
  const moduleText =
    modules.length === 0
      ? "no modules listed"
      : modules.map((module) => `${module.name} ${module.status}`).join(", ");
  return {
    modules,
    succeeded,
    warnings,
    errors,
    healthy,
    text: `${moduleText}; iotedge check: ${succeeded} succeeded, ${warnings} warnings, ${errors} errors`,
  };
}
