import { readFileSync } from "node:fs";
import { RevocationReason } from "@edge-pki/api-contract";
import type { EdgePkiClient } from "@edge-pki/client-sdk";
import type { HostCommand } from "@edge-pki/host-kit/cli";
import { UsageError } from "@edge-pki/host-kit/cli";
import { certificateForDps } from "../dps/certificate-file.js";
// The DPS and ARM clients load only when a dps command runs: a device never needs them.
import type { EnrollmentSettings } from "../dps/enroll.js";
import {
  addCaFlags,
  addDpsFlags,
  armCredential,
  type CaFlags,
  caClient,
  type DpsFlags,
  dpsConnection,
} from "./operator-settings.js";
import { progress } from "./output.js";

interface EnrollFlags extends DpsFlags, CaFlags {
  group?: string;
  certificate?: string;
  certificateFile?: string;
  caReference?: string;
  deviceCertificate?: string;
  registrationId?: string;
  deviceId?: string;
  tags?: string;
  allocationPolicy?: string;
  iotHubs?: string;
  disabled?: boolean;
  iotEdge: boolean;
}

export function addDpsCommands(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const dps = program
    .command("dps")
    .description("Operator side: enrollments and proof of possession in DPS.");

  const enroll = addCaFlags(
    addDpsFlags(
      dps
        .command("enroll")
        .description(
          "Create or update (with etags) an X.509 enrollment group for the CA's root or intermediate, or an individual enrollment for one device certificate.",
        )
        .option("--group <id>", "the enrollment group's ID")
        .option("--certificate <which>", "the group's certificate from the CA: root or intermediate")
        .option("--certificate-file <file>", "or: the group's CA certificate, PEM")
        .option("--ca-reference <name>", "or: the name of a CA certificate verified in DPS (dps verify-ca)")
        .option(
          "--device-certificate <file>",
          "instead of a group: an individual enrollment for this device certificate",
        )
        .option(
          "--registration-id <id>",
          "the individual enrollment's registration ID (default: the certificate's CN)",
        )
        .option("--device-id <id>", "the individual enrollment's IoT Hub device ID")
        .option("--tags <json>", 'initial twin tags, a JSON object: {"line":"7"}')
        .option("--allocation-policy <policy>", "hashed, geoLatency or static")
        .option("--iot-hubs <hosts>", "comma-separated IoT hub host names the devices may be assigned to")
        .option("--disabled", "provisioning status disabled")
        .option("--no-iot-edge", "the devices are not IoT Edge devices (capabilities.iotEdge false)"),
    ),
  );
  enroll.action(async () => {
    const flags = enroll.opts<EnrollFlags>();
    const connection = await dpsConnection(flags, env);
    const { enrollDevice, enrollGroup } = await import("../dps/enroll.js");
    const settings = enrollmentSettings(flags);
    if (flags.deviceCertificate !== undefined) {
      if (flags.group !== undefined)
        throw new UsageError("--group and --device-certificate exclude each other");
      const certificatePem = certificateForDps(flags.deviceCertificate, "--device-certificate");
      const { commonNameOf, parseCertificate } = await import("../dps/device-certificate.js");
      const registrationId =
        flags.registrationId ?? commonNameOf(parseCertificate(certificatePem, flags.deviceCertificate));
      if (registrationId === undefined)
        throw new UsageError("the certificate has no CN: give --registration-id");
      const { outcome, record } = await enrollDevice(connection, {
        registrationId,
        certificatePem,
        ...(flags.deviceId !== undefined && { deviceId: flags.deviceId }),
        ...settings,
      });
      process.stdout.write(
        `individual enrollment ${record.registrationId}: ${outcome} (etag ${record.etag})\n`,
      );
      return;
    }
    if (flags.group === undefined) throw new UsageError("--group (or --device-certificate) is needed");
    const sources = [flags.certificate, flags.certificateFile, flags.caReference].filter(
      (value) => value !== undefined,
    );
    if (sources.length !== 1) {
      throw new UsageError(
        "give exactly one of --certificate root|intermediate, --certificate-file, --ca-reference",
      );
    }
    let signingCertificatePem: string | undefined;
    if (flags.certificate !== undefined) {
      if (flags.certificate !== "root" && flags.certificate !== "intermediate") {
        throw new UsageError(`--certificate must be root or intermediate, not ${flags.certificate}`);
      }
      const info = await (caClient(flags, env, true) as EdgePkiClient).getCa();
      signingCertificatePem =
        flags.certificate === "root" ? info.rootCertificatePem : info.intermediateCertificatePem;
    } else if (flags.certificateFile !== undefined) {
      signingCertificatePem = certificateForDps(flags.certificateFile, "--certificate-file");
    }
    const { outcome, record } = await enrollGroup(connection, {
      enrollmentGroupId: flags.group,
      ...(signingCertificatePem !== undefined && { signingCertificatePem }),
      ...(flags.caReference !== undefined && { caReference: flags.caReference }),
      ...settings,
    });
    process.stdout.write(`enrollment group ${record.enrollmentGroupId}: ${outcome} (etag ${record.etag})\n`);
  });

  const verify = addCaFlags(
    dps
      .command("verify-ca")
      .description(
        "Upload the CA's root or intermediate to DPS (ARM), get the verification code, have the CA sign the verification certificate, and verify it: proof of possession.",
      )
      .requiredOption("--subscription <id>", "the Azure subscription of the DPS instance")
      .requiredOption("--resource-group <name>", "its resource group")
      .requiredOption("--dps-name <name>", "the DPS instance's name")
      .requiredOption("--certificate <which>", "root or intermediate")
      .option("--certificate-name <name>", "its name in DPS (default: edge-pki-<which>)")
      .option("--arm-token-file <file>", "an ARM access token (default: DefaultAzureCredential)")
      .option("--arm-endpoint <url>", "another ARM endpoint (an emulator)")
      .option("--arm-ca-file <file>", "trust this CA (PEM) for --arm-endpoint"),
  );
  verify.action(async () => {
    const flags = verify.opts<
      CaFlags & {
        subscription: string;
        resourceGroup: string;
        dpsName: string;
        certificate: string;
        certificateName?: string;
        armTokenFile?: string;
        armEndpoint?: string;
        armCaFile?: string;
      }
    >();
    if (flags.certificate !== "root" && flags.certificate !== "intermediate") {
      throw new UsageError(`--certificate must be root or intermediate, not ${flags.certificate}`);
    }
    const { verifyCa } = await import("../dps/verify-ca.js");
    const result = await verifyCa(
      {
        subscriptionId: flags.subscription,
        resourceGroup: flags.resourceGroup,
        dpsName: flags.dpsName,
        credential: await armCredential(flags.armTokenFile),
        endpoint: flags.armEndpoint,
        caPem: flags.armCaFile === undefined ? undefined : readFileSync(flags.armCaFile, "utf8"),
      },
      {
        issuer: flags.certificate,
        certificateName: flags.certificateName ?? `edge-pki-${flags.certificate}`,
        ca: caClient(flags, env, true) as EdgePkiClient,
        log: progress,
      },
    );
    process.stdout.write(
      `${result.certificateName} (${result.thumbprint}): verified${result.alreadyVerified ? " (already)" : ""}\n`,
    );
  });

  const disable = addCaFlags(
    addDpsFlags(
      dps
        .command("disable-device")
        .description(
          "Shut one device out of its group: a disabled individual enrollment holding its certificate; with --revoke, its certificates are revoked at the CA too.",
        )
        .argument("<deviceId>", "the device (its registration ID)")
        .option(
          "--certificate-file <file>",
          "the device's certificate, PEM (default: its valid ones, from the CA)",
        )
        .option(
          "--revoke <reason>",
          "also revoke its valid certificates at the CA: keyCompromise, privilegeWithdrawn, …",
        ),
    ),
  );
  disable.action(async (deviceId: string) => {
    const flags = disable.opts<DpsFlags & CaFlags & { certificateFile?: string; revoke?: string }>();
    let revoke: RevocationReason | undefined;
    if (flags.revoke !== undefined) {
      const parsed = RevocationReason.safeParse(flags.revoke);
      if (!parsed.success) throw new UsageError(`--revoke: ${flags.revoke} is not a revocation reason`);
      revoke = parsed.data;
    }
    const ca = caClient(flags, env, flags.certificateFile === undefined || revoke !== undefined);
    const { disableDevice } = await import("../dps/disable-device.js");
    const result = await disableDevice(await dpsConnection(flags, env), {
      deviceId,
      ...(flags.certificateFile !== undefined && {
        certificatePems: [certificateForDps(flags.certificateFile, "--certificate-file")],
      }),
      ...(ca !== undefined && { ca }),
      ...(revoke !== undefined && { revoke }),
      log: progress,
    });
    process.stdout.write(
      `${deviceId}: disabled in DPS (${result.outcome})${result.revokedSerialNumbers.length > 0 ? `; revoked at the CA: ${result.revokedSerialNumbers.join(", ")}` : ""}\n` +
        "  It stays registered in IoT Hub: disable or delete it there too.\n",
    );
  });
}

function enrollmentSettings(flags: EnrollFlags): EnrollmentSettings {
  let tags: Record<string, unknown> | undefined;
  if (flags.tags !== undefined) {
    try {
      tags = JSON.parse(flags.tags) as Record<string, unknown>;
    } catch {
      throw new UsageError("--tags must be a JSON object");
    }
    if (typeof tags !== "object" || tags === null || Array.isArray(tags))
      throw new UsageError("--tags must be a JSON object");
  }
  const policy = flags.allocationPolicy;
  if (policy !== undefined && !["hashed", "geoLatency", "static"].includes(policy)) {
    throw new UsageError(`--allocation-policy must be hashed, geoLatency or static, not ${policy}`);
  }
  return {
    iotEdge: flags.iotEdge,
    provisioningStatus: flags.disabled ? "disabled" : "enabled",
    ...(tags !== undefined && { tags }),
    ...(policy !== undefined && { allocationPolicy: policy as EnrollmentSettings["allocationPolicy"] }),
    ...(flags.iotHubs !== undefined && {
      iotHubs: flags.iotHubs
        .split(",")
        .map((hub) => hub.trim())
        .filter((hub) => hub !== ""),
    }),
  };
}
