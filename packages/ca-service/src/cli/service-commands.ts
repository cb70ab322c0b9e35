import cluster from "node:cluster";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { HostCommand } from "@edge-pki/host-kit/cli";
import { ADMIN_TOKEN_FILE, type AdminTokenFile, adminTokenFile } from "../adapters/auth/admin-token-file.js";
import type { InitCaResult } from "../app/init-ca.js";
import {
  createMetrics,
  firstAdminTokenFile,
  initialiseCa,
  openKeyStore,
  openServiceContext,
  type Runtime,
  refuseRootOverRecordedCaIn,
} from "../compose.js";
import { loadConfig } from "../config/config.js";
import { jsonLogger } from "../logger.js";
import { startServer } from "../server.js";
import { answerPings } from "../workers/liveness.js";
import { tellPrimary } from "../workers/messages.js";
import { siblingChannel } from "../workers/sibling-channel.js";
import { superviseWorkers } from "../workers/supervisor.js";
import { environmentWithFlags } from "./setting-flags.js";
import { listenForStopSignals } from "./stop-signals.js";

type ServiceCommand = "init" | "serve" | "start";

const DESCRIPTIONS: Record<ServiceCommand, string> = {
  init:
    "create the root, the issuing CA and the token-signing key in the key store when absent (never " +
    "overwrites); the run that creates the token-signing key writes the deployment's first admin token " +
    "to <data folder>/admin.token",
  serve: "run the API (the CA must exist)",
  start: "init if needed, then serve",
};

/** `init`, `serve` and `start`. */
export function addServiceCommands(program: HostCommand): void {
  for (const name of ["init", "serve", "start"] as const) {
    const command = program.command(name).description(DESCRIPTIONS[name]);
    command.action(() => runService(name, environmentWithFlags(command)));
  }
}

async function runService(command: ServiceCommand, env: NodeJS.ProcessEnv): Promise<void> {
  // A worker forked by `superviseWorkers` runs this command again: the primary did the rest.
  if (cluster.isWorker) return serveAsWorker(env);
  const signals = listenForStopSignals();
  const runtime: Runtime = { config: loadConfig(env), logger: jsonLogger(), metrics: createMetrics() };
  if (command !== "serve") await refuseRootOverRecordedCaIn(runtime);
  const keyStore = await openKeyStore(runtime, command === "serve" ? "use" : "create");

  let init: InitCaResult | undefined;
  if (command === "init" || command === "start") {
    init = await initialiseCa(runtime, keyStore);
    if (init.created.length > 0) {
      runtime.logger.info("created CA material", {
        created: init.created,
        dataDir: runtime.config.dataDir,
        keyStore: keyStore.kind,
      });
    }
    if (command === "init") {
      process.stdout.write(
        `${init.created.length > 0 ? `created ${init.created.join(" and ")}` : "CA already initialised; nothing changed"}\nroot SHA-256 fingerprint: ${sha256(init.root.rawData)}\n`,
      );
      if (init.created.includes("token-signing")) {
        const context = await openServiceContext(runtime, keyStore);
        try {
          process.stdout.write(adminTokenLine(await firstAdminTokenFile(runtime, context, init)));
        } finally {
          await context.store.close();
        }
      } else {
        noteMissingAdminToken(runtime, await adminTokenFile(runtime.config.dataDir, undefined));
      }
      return;
    }
  }

  const context = await openServiceContext(runtime, keyStore);
  const adminToken = await firstAdminTokenFile(runtime, context, init);
  noteMissingAdminToken(runtime, adminToken);
  const ready = (url: string) =>
    process.stdout.write(
      `Edge PKI CA listening on ${url}\nroot SHA-256 fingerprint: ${sha256(context.issuingCa.root.rawData)}\ndata folder: ${runtime.config.dataDir}\n${adminTokenLine(adminToken)}`,
    );
  const { workers } = runtime.config;
  if (workers === 1) {
    const server = await startServer(context, runtime.config, runtime.logger);
    signals.stopWith(async () => {
      await server.close();
      await context.store.close();
      return 0;
    });
    ready(server.url);
    return;
  }
  // Everything that happens once (migrations, the CA's records, the first admin token) is done:
  // the workers only serve.
  await context.store.close();
  const pool = await superviseWorkers(workers, runtime.logger, {
    unresponsiveSeconds: runtime.config.workerUnresponsiveSeconds,
  });
  runtime.logger.info("serving on several workers", { workers });
  signals.stopWith(pool.stop);
  ready(pool.url);
  void pool.ended.then((code) => process.exit(code));
}

/**
 * One worker of several: opens its own key store, store and server (on the primary's port), says
 * where it serves, and drains on SIGTERM, on Ctrl-C, or when the primary is gone.
 */
async function serveAsWorker(env: NodeJS.ProcessEnv): Promise<void> {
  const siblings = siblingChannel();
  answerPings();
  const runtime: Runtime = {
    config: loadConfig(env),
    logger: jsonLogger(undefined, { worker: cluster.worker?.id }),
    siblings,
    metrics: createMetrics({ siblings, id: cluster.worker?.id as number }),
  };
  // From the start: a primary gone (or a signal) while this worker is still starting ends it too.
  let stop = async () => 0;
  listenForStopSignals().stopWith(() => stop(), ["disconnect"]);
  // Messages on a channel whose primary is gone (Node's own, as the server starts listening, and
  // ours) fail with EPIPE; unhandled, that would end this worker with a stack trace. The channel's
  // `disconnect` stops it.
  cluster.worker?.on("error", () => {});
  try {
    const context = await openServiceContext(runtime, await openKeyStore(runtime, "use"));
    const server = await startServer(context, runtime.config, runtime.logger);
    stop = async () => {
      await server.close();
      await context.store.close();
      return 0;
    };
    void tellPrimary({ kind: "edge-pki:serving", url: server.url });
  } catch (error) {
    // The primary prints why, once for the service however many workers failed alike; it exits
    // with 1. The IPC channel, or a connection opened before the failure, would keep this worker
    // alive, and the primary waits for it to exit.
    const reason = error instanceof Error ? error.message : String(error);
    if (await tellPrimary({ kind: "edge-pki:cannot-serve", reason })) process.exit(1);
    // No primary to tell: exit once the CLI has printed the error (synchronously, in the promise
    // callbacks that run before this).
    setImmediate(() => process.exit());
    throw error;
  }
}

/** The path only: the token itself must not end up in terminal scrollback or log collectors. */
function adminTokenLine(file: AdminTokenFile | undefined): string {
  if (file === undefined) return "";
  return `${file.created ? "admin token written to" : "admin token"}: ${file.path}\n`;
}

/**
 * No admin.token here: another replica's init minted the deployment's first one, or the init that
 * made the token-signing key stopped before writing it (it is minted only then). Either way, the
 * way to an admin token is to mint one.
 */
function noteMissingAdminToken(runtime: Runtime, file: AdminTokenFile | undefined): void {
  if (file !== undefined) return;
  process.stderr.write(
    `no admin token in ${join(runtime.config.dataDir, ADMIN_TOKEN_FILE)} (the first one is written only by the init that creates the token-signing key): mint one with \`edge-pki-ca token create --role admin --subject <name>\`\n`,
  );
}

function sha256(der: ArrayBuffer): string {
  return createHash("sha256").update(new Uint8Array(der)).digest("hex");
}
