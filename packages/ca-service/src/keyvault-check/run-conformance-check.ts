import type { CertificateClient } from "@azure/keyvault-certificates";
import type { CheckReport, CleanupResult, StepResult } from "./check-report.js";
import { type CheckTarget, CONFORMANCE_STEPS } from "./conformance-steps.js";
import { vaultAnswer } from "./vault-answer.js";

/**
 * Runs the conformance steps against a vault, then deletes and purges every throwaway certificate
 * the check created (`created`: see `trackCertificateCreations`), whatever the steps' outcome; one
 * it never created is neither touched nor reported. After a failed step the steps that need its
 * result are skipped.
 */
export async function runConformanceCheck(
  target: CheckTarget,
  created: ReadonlySet<string>,
): Promise<CheckReport> {
  const steps: StepResult[] = [];
  const state = {};
  for (const step of CONFORMANCE_STEPS) {
    if (steps.some((result) => result.outcome === "fail") && !step.independent) {
      steps.push({ title: step.title, outcome: "skip", detail: "" });
      continue;
    }
    try {
      steps.push({ title: step.title, outcome: "pass", detail: await step.run(target, state) });
    } catch (error) {
      steps.push({ title: step.title, outcome: "fail", detail: vaultAnswer(error) });
    }
  }
  const cleanup: CleanupResult[] = [];
  for (const name of Object.values(target.names)) {
    if (created.has(name)) cleanup.push(await remove(target.clients.certificates, name));
  }
  return { vaultUrl: target.clients.certificates.vaultUrl, steps, cleanup };
}

/** Deletes a certificate (its key goes with it) and purges it, so that nothing of it stays. */
async function remove(certificates: CertificateClient, name: string): Promise<CleanupResult> {
  try {
    await (await certificates.beginDeleteCertificate(name)).pollUntilDone();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      return { name, outcome: "absent", detail: "nothing to delete" };
    }
    return { name, outcome: "left", detail: `could not delete: ${vaultAnswer(error)}` };
  }
  try {
    await certificates.purgeDeletedCertificate(name);
  } catch (error) {
    return {
      name,
      outcome: "left",
      detail: `deleted, but could not purge (it stays recoverable and its name taken): ${vaultAnswer(error)}`,
    };
  }
  return { name, outcome: "removed", detail: "deleted and purged" };
}
