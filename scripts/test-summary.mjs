// Prints the one line CI reads, "N passed, N failed", from Vitest's JSON report and the lint's exit
// status: the lint counts as one check, passed or failed, so a lint failure fails the line too.
import { readFileSync } from "node:fs";

const [reportPath, testExitCode, lintExitCode] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
  skipped = report.numPendingTests + report.numTodoTests;
  // A suite that failed to load has no tests to count: still a failure.
  failed += report.testResults.filter(
    (suite) => suite.status === "failed" && suite.assertionResults.length === 0,
  ).length;
} catch {
  // No report: the build or type check failed before any test ran.
  failed = 1;
}
if (failed === 0 && testExitCode !== "0") failed = 1;
if (lintExitCode !== undefined) {
  if (lintExitCode === "0") passed += 1;
  else failed += 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
