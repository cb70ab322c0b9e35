import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { operations } from "@edge-pki/api-contract";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadConfig, SETTING_NAMES } from "../src/config/config.js";

/**
 * The deployment files in deploy/ (Kubernetes manifests, compose file, nginx configuration) and the
 * Dockerfile cannot drift from the service: every setting they name exists, the settings they give a
 * replica pass the service's own configuration check, and the names, ports, users and paths they
 * share agree. No cluster or Docker engine is needed: the files are parsed, not applied.
 */
const ROOT = new URL("../../../", import.meta.url);
const run = promisify(execFile);
const read = (path: string) => readFileSync(new URL(path, ROOT), "utf8");

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked by the assertions that follow.
type Manifest = any;

/** Every document of a YAML file; a syntax error, a duplicate key or an unknown tag fails the test. */
function parseYaml(path: string): Manifest[] {
  const documents = parseAllDocuments(read(path), { merge: true, strict: true, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  for (const document of list) {
    expect(document.errors.map(String), `${path} does not parse`).toEqual([]);
    expect(document.warnings.map(String), `${path} has warnings`).toEqual([]);
  }
  return list.map((document) => document.toJS());
}

/** Setting names a file uses that the configuration schema does not have. */
const unknownSettings = (names: string[]) =>
  names.filter((name) => name.startsWith("EDGE_PKI_") && !SETTING_NAMES.includes(name));

/** The configuration problems the service would report at start, or [] when it would start. */
function configurationProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, "/");
    return [];
  } catch (error) {
    return [String(error)];
  }
}

const PROBE_PATHS = new Set<string>([operations.getHealth.path, operations.getReadiness.path]);
const dockerfile = read("Dockerfile");
const imageUser = dockerfile.match(/^USER (\d+):(\d+)$/m);
const imageEnv = (name: string) => dockerfile.match(new RegExp(`\\b${name}=(\\S+)`))?.[1];

describe("deploy/k8s", () => {
  const files = readdirSync(new URL("deploy/k8s/", ROOT)).filter((name) => name.endsWith(".yaml"));
  const manifests = files.flatMap((file) => parseYaml(`deploy/k8s/${file}`));
  const ofKind = (kind: string): Manifest => {
    const found = manifests.filter((manifest) => manifest.kind === kind);
    expect(found, `one ${kind} in deploy/k8s`).toHaveLength(1);
    return found[0];
  };

  it("kustomization.yaml applies every manifest but the example Secret", () => {
    const listed = ofKind("Kustomization").resources as string[];
    const expected = files.filter((file) => !["kustomization.yaml", "secret.example.yaml"].includes(file));
    expect([...listed].sort()).toEqual(expected.sort());
  });

  it("names only settings the service has, and the settings make a configuration the service accepts", () => {
    const secret = ofKind("Secret");
    const container = ofKind("Deployment").spec.template.spec.containers[0];
    const env: Record<string, string> = {
      ...secret.stringData,
      ...Object.fromEntries(container.env.map(({ name, value }: Manifest) => [name, value])),
    };
    expect(unknownSettings(Object.keys(env))).toEqual([]);
    expect(configurationProblems(env)).toEqual([]);
    expect(container.envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
    expect(env).toMatchObject({ EDGE_PKI_STORE: "postgres", EDGE_PKI_KEY_STORE: "keyvault" });
  });

  it("runs three non-root replicas of the image's user, read-only, probed on /healthz and /readyz", () => {
    const deployment = ofKind("Deployment");
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.spec.replicas).toBe(3);
    expect(container.args).toEqual(["serve"]);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: Number(imageUser?.[1]),
      runAsGroup: Number(imageUser?.[2]),
    });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    // Writable places are emptyDirs, and the data folder lies below one (the service makes it 0700).
    const mounts = container.volumeMounts.map((mount: Manifest) => mount.mountPath);
    expect(mounts).toContain("/tmp");
    const dataDir = container.env.find((entry: Manifest) => entry.name === "EDGE_PKI_DATA_DIR").value;
    expect(mounts.some((path: string) => dataDir.startsWith(`${path}/`))).toBe(true);
    expect(container.livenessProbe.httpGet.path).toBe(operations.getHealth.path);
    expect(container.readinessProbe.httpGet.path).toBe(operations.getReadiness.path);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(PROBE_PATHS.has(probe.httpGet.path)).toBe(true);
      expect(probe.httpGet.port).toBe(container.ports[0].name);
    }
    const port = container.env.find((entry: Manifest) => entry.name === "EDGE_PKI_PORT").value;
    expect(container.ports[0].containerPort).toBe(Number(port));
    expect(imageEnv("EDGE_PKI_PORT")).toBe(port);
  });

  it("signs to Key Vault as a managed identity through Azure Workload Identity, with no secret", () => {
    const account = ofKind("ServiceAccount");
    const pod = ofKind("Deployment").spec.template;
    expect(pod.spec.serviceAccountName).toBe(account.metadata.name);
    expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
    expect(account.metadata.annotations["azure.workload.identity/client-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const secret = ofKind("Secret");
    expect(Object.keys(secret.stringData).filter((name) => name.startsWith("EDGE_PKI_AZURE_"))).toEqual([]);
  });

  it("stops gracefully: a pause while the ingress lets go, then a drain shorter than the grace period", () => {
    const pod = ofKind("Deployment").spec.template.spec;
    const pause = pod.containers[0].lifecycle.preStop.sleep.seconds;
    const drain = Number(
      pod.containers[0].env.find((entry: Manifest) => entry.name === "EDGE_PKI_DRAIN_SECONDS")?.value ??
        loadConfig({}, "/").drainSeconds,
    );
    expect(pause).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(pause + drain);
  });

  it("only the ingress controller and Prometheus reach the pods, which trust the pod network as proxies", () => {
    const policy = ofKind("NetworkPolicy");
    const pod = ofKind("Deployment").spec.template;
    expect(pod.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(["Ingress"]);
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: pod.spec.containers[0].ports[0].name }]);
    expect(
      policy.spec.ingress[0].from.map(
        (peer: Manifest) => peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
      ),
    ).toEqual(["ingress-nginx", "monitoring"]);
    expect(ofKind("Secret").stringData.EDGE_PKI_TRUSTED_PROXIES).toBeDefined();
  });

  it("the Service and the PodDisruptionBudget select the Deployment's pods", () => {
    const labels = ofKind("Deployment").spec.template.metadata.labels;
    const service = ofKind("Service");
    expect(labels).toMatchObject(service.spec.selector);
    expect(labels).toMatchObject(ofKind("PodDisruptionBudget").spec.selector.matchLabels);
    expect(ofKind("PodDisruptionBudget").spec.maxUnavailable).toBe(1);
    expect(service.spec.ports[0].targetPort).toBe(
      ofKind("Deployment").spec.template.spec.containers[0].ports[0].name,
    );
  });
});

describe("deploy/compose.yaml and deploy/nginx.conf", () => {
  const [compose] = parseYaml("deploy/compose.yaml");
  const services: Record<string, Manifest> = compose.services;
  // What compose interpolates from the caller's environment (${NAME:?message}) gets a stand-in here.
  const interpolated = (value: string) =>
    String(value).replace(/\$\{[A-Z_]+:\?[^}]*\}/g, "stand-in-secret-value");
  const envOf = (service: Manifest): Record<string, string> =>
    Object.fromEntries(
      Object.entries(service.environment).map(([name, value]) => [name, interpolated(value as string)]),
    );
  const replicas = Object.entries(services).filter(([, service]) => service.command?.[0] === "serve");
  const nginx = read("deploy/nginx.conf");

  it("runs three replicas of the image, after a one-time init, on PostgreSQL", () => {
    expect(replicas.map(([name]) => name)).toEqual(["ca-1", "ca-2", "ca-3"]);
    expect(services.init.command).toEqual(["init"]);
    for (const [, replica] of replicas) {
      expect(replica.build).toEqual({ context: "..", dockerfile: "Dockerfile" });
      expect(replica.depends_on.init).toEqual({ condition: "service_completed_successfully" });
      expect(replica.read_only).toBe(true);
      expect(envOf(replica).EDGE_PKI_DATABASE_URL).toMatch(/@postgres:5432\//);
    }
    expect(services.postgres.image).toMatch(/^postgres:/);
  });

  it("names only settings the service has, and the settings make a configuration the service accepts", () => {
    for (const [name, service] of [...replicas, ["init", services.init]]) {
      const env = envOf(service);
      expect(unknownSettings(Object.keys(env)), name).toEqual([]);
      expect(configurationProblems(env), name).toEqual([]);
    }
  });

  it("nginx balances over exactly the three replicas, on their port, and only it is trusted as a proxy", () => {
    const upstream = nginx.match(/upstream edge_pki \{([^}]*)\}/)?.[1] ?? "";
    const servers = [...upstream.matchAll(/^\s*server\s+([^\s;]+)/gm)].map((match) => match[1]);
    expect(servers).toEqual(replicas.map(([name, service]) => `${name}:${envOf(service).EDGE_PKI_PORT}`));
    expect(nginx).toMatch(/proxy_pass http:\/\/edge_pki;/);
    const listen = nginx.match(/listen (\d+);/)?.[1];
    expect(services.nginx.ports).toEqual([`127.0.0.1:8080:${listen}`]);
    expect(services.nginx.volumes).toContain("./nginx.conf:/etc/nginx/nginx.conf:ro");
    const proxyAddress = services.nginx.networks.pki.ipv4_address;
    for (const [, replica] of replicas) expect(envOf(replica).EDGE_PKI_TRUSTED_PROXIES).toBe(proxyAddress);
  });
});

describe("Dockerfile", () => {
  it("the service's production files, as the image prunes them, still run on SQLite", async () => {
    const work = await mkdtemp(join(tmpdir(), "edge-pki-image-"));
    try {
      const out = join(work, "out");
      // The build stage's last steps, on this machine: `pnpm deploy`, then the image's own prune.
      // Offline: from the store the install filled, as the image's build does after `pnpm fetch`.
      await run("pnpm", ["--filter", "@edge-pki/ca-service", "deploy", "--prod", "--offline", out], {
        cwd: fileURLToPath(ROOT),
        timeout: 180_000,
      });
      const prune = dockerfile.match(/^RUN (cd \/out\/(?:[^\n]*\\\n)*[^\n]*)/m)?.[1];
      expect(prune, "the Dockerfile's prune step").toBeDefined();
      await run("sh", ["-c", (prune as string).replaceAll("/out/", `${out}/`)]);
      const store = join(out, "node_modules/.pnpm");
      const version = readdirSync(store).filter((name) => name.startsWith("better-sqlite3@"));
      expect(version).toHaveLength(1);
      const addon = join(store, version[0] as string, "node_modules/better-sqlite3");
      expect(readdirSync(join(addon, "build"), { recursive: true }).sort()).toEqual([
        "Release",
        join("Release", "better_sqlite3.node"),
      ]);
      const init = await run(process.execPath, [join(out, "dist/cli/main.js"), "init"], {
        env: {
          PATH: process.env.PATH ?? "",
          EDGE_PKI_DATA_DIR: join(work, "data"),
          EDGE_PKI_KEY_PASSPHRASE: "image test passphrase",
        },
      });
      expect(init.stdout).toMatch(/^created root and intermediate and token-signing\n/);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 240_000);
});
