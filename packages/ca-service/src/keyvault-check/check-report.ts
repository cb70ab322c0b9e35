/** One step of the check, as the operator reads it. */
export interface StepResult {
  title: string;
  outcome: "pass" | "fail" | "skip";
  /** On a pass what the vault did, on a failure what it answered. */
  detail: string;
}

/** What became of one throwaway certificate. */
export interface CleanupResult {
  name: string;
  /** `removed`: deleted and purged; `absent`: there was nothing; `left`: it is (partly) still there. */
  outcome: "removed" | "absent" | "left";
  detail: string;
}

export interface CheckReport {
  vaultUrl: string;
  steps: StepResult[];
  cleanup: CleanupResult[];
}

/** The report's lines: one per step and per certificate, then a summary. */
export function formatReport(report: CheckReport): string[] {
  const total = report.steps.length;
  const count = (outcome: StepResult["outcome"]) =>
    report.steps.filter((step) => step.outcome === outcome).length;
  const left = report.cleanup.filter((item) => item.outcome === "left");
  return [
    `Key Vault conformance check of ${report.vaultUrl}`,
    ...report.steps.map(
      (step, index) =>
        `${step.outcome.toUpperCase()} ${index + 1}/${total} ${step.title}${step.detail ? `: ${step.detail}` : ""}`,
    ),
    ...report.cleanup.map((item) => `cleanup ${item.name}: ${item.detail}`),
    `result: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped; ${
      left.length === 0
        ? "nothing left in the vault"
        : `left in the vault: ${left.map((item) => item.name).join(", ")}`
    }`,
  ];
}

/** Why the check failed, in one line; undefined when every step passed and nothing was left. */
export function failureOf(report: CheckReport): string | undefined {
  const failed = report.steps.findIndex((step) => step.outcome === "fail");
  const left = report.cleanup.filter((item) => item.outcome === "left").map((item) => item.name);
  const reasons = [
    ...(failed >= 0 ? [`step ${failed + 1} (${report.steps[failed]?.title}) failed`] : []),
    ...(left.length > 0 ? [`left in the vault: ${left.join(", ")} (see the cleanup lines)`] : []),
  ];
  return reasons.length === 0
    ? undefined
    : `the vault did not pass the conformance check: ${reasons.join("; ")}`;
}
