import { createHash } from "node:crypto";
import { RevocationReason, SerialNumberParams } from "@edge-pki/api-contract";
import type { HostCommand } from "@edge-pki/host-kit/cli";
import { retireIntermediate } from "../app/retire-intermediate.js";
import { openCertificateStore, openKeyStore, type Runtime } from "../compose.js";
import { loadConfig } from "../config/config.js";
import type { x509 } from "../core/x509.js";
import { jsonLogger } from "../logger.js";
import { secureRandom, systemClock } from "../ports/clock.js";
import { environmentWithFlags } from "./setting-flags.js";

const REASONS = RevocationReason.options;

/** `intermediate retire`: the operator's way to replace a compromised (or superseded) issuing CA. */
export function addIntermediateCommand(program: HostCommand): void {
  const intermediate = program.command("intermediate").description("the issuing CA: retire it");
  intermediate.on("command:*", () => intermediate.error("expected 'intermediate retire'"));
  const retire = intermediate
    .command("retire")
    .description(
      "revoke the issuing CA on the root's CRL and put a new one, signed by the root, in its place; every " +
        "replica stops signing with the old one within seconds (see docs/operations.md)",
    )
    .option(
      "--serial <hex>",
      "the serial number of the intermediate to retire, as openssl prints it (colons and upper case are fine): running the command again after it finished then leaves the successor alone",
    )
    .option(
      "--reason <reason>",
      `why, as the root's CRL will say: keyCompromise (or cACompromise) when its key may be known to someone else, superseded to replace it routinely; one of ${REASONS.join(", ")}`,
    );
  retire.action(async () => {
    const options = retire.opts<{ serial?: string; reason?: string }>();
    // As pasted from `openssl x509 -serial` too: "serial=5B1E…", maybe with a space or a newline.
    const pasted = options.serial?.trim().replace(/^serial=/i, "") ?? "";
    const serial = SerialNumberParams.safeParse({ serialNumber: pasted });
    if (options.serial === undefined) {
      retire.error(
        "--serial is required: the serial number of the intermediate to retire (openssl x509 -noout -serial on the intermediate of GET /v1/ca)",
      );
    }
    if (!serial.success)
      retire.error("--serial must be a serial number in hexadecimal, as openssl prints it");
    const parsed = RevocationReason.safeParse(options.reason);
    if (!parsed.success) retire.error(`--reason must be one of ${REASONS.join(", ")}`);
    const reason = parsed.data as RevocationReason;

    const runtime: Runtime = { config: loadConfig(environmentWithFlags(retire)), logger: jsonLogger() };
    // Only a CA that exists: a mistyped --data-dir must not create one.
    const keyStore = await openKeyStore(runtime, "use");
    const store = await openCertificateStore(runtime);
    try {
      const { ca } = runtime.config;
      const done = await retireIntermediate(
        {
          keyStore,
          store,
          clock: systemClock,
          random: secureRandom,
          crl: { validityHours: runtime.config.crlValidityHours },
        },
        {
          serialNumber: serial.data?.serialNumber as string,
          reason,
          actor: "edge-pki-ca intermediate retire",
          commonName: `${ca.name} Issuing CA`,
          validityDays: ca.intermediateValidityDays,
          keyAlgorithm: ca.keyAlgorithm,
        },
      );
      const serialOf = (certificate: x509.X509Certificate) => certificate.serialNumber.toLowerCase();
      const disabledLine = done.disabledKeyRefs.map((ref) => `disabled the replaced key: ${ref}\n`).join("");
      if (done.alreadyRetired) {
        process.stdout.write(
          `intermediate ${done.serialNumber} was already retired (${done.reason}, revoked ${done.revokedAt?.toISOString()}); the issuing intermediate is ${serialOf(done.current)}: ${done.disabledKeyRefs.length > 0 ? "finished" : "nothing done"}\n${disabledLine}`,
        );
        return;
      }
      process.stdout.write(
        `${done.resumed ? "finished retiring" : "retired"} intermediate ${serialOf(done.retired)} (${done.reason}, revoked ${done.revokedAt.toISOString()}; on the root's CRL)${done.retiredKeyRef === undefined ? "" : `; its key is kept: ${done.retiredKeyRef}`}\n` +
          `new intermediate ${serialOf(done.successor)}, valid until ${done.successor.notAfter.toISOString()}, SHA-256 ${createHash("sha256").update(new Uint8Array(done.successor.rawData)).digest("hex")}\n` +
          disabledLine +
          "running replicas sign with it within seconds; what devices and DPS need: docs/operations.md\n",
      );
    } finally {
      await store.close();
    }
  });
}
