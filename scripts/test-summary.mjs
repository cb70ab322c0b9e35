// Prints the one line CI reads, "N passed, N failed", from the lint's exit status and one Vitest JSON
// report (with the test command's exit status) per Node version the suite ran on. The lint counts as
// one check; a run that left no report (its build or type check failed) counts as one failure.
//
//   node scripts/test-summary.mjs <lint exit> <report> <test exit> [<report> <test exit> ...]
import { readFileSync } from "node:fs";

const [lintExitCode, ...runs] = process.argv.slice(2);
let passed = lintExitCode === "0" ? 1 : 0;
let failed = lintExitCode === "0" ? 0 : 1;
let skipped = 0;
for (let index = 0; index < runs.length; index += 2) {
  const counts = countsOf(runs[index], runs[index + 1]);
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);

function countsOf(reportPath, testExitCode) {
  let counts;
  try {
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    counts = {
      passed: report.numPassedTests,
      failed:
        report.numFailedTests +
        (report.numRuntimeErrorTestSuites ?? 0) +
        // A suite that failed to load has no tests to count: still a failure.
        report.testResults.filter((suite) => suite.status === "failed" && suite.assertionResults.length === 0)
          .length,
      skipped: report.numPendingTests + report.numTodoTests,
    };
  } catch {
    counts = { passed: 0, failed: 1, skipped: 0 };
  }
  if (counts.failed === 0 && testExitCode !== "0") counts.failed = 1;
  return counts;
}
