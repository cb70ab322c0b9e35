import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "./fixtures.js";
import type { TestService } from "./service.js";

/**
 * An EST service for a test file, and the clients we did not write that talk to it (curl, openssl),
 * sending what IoT Edge sends: a manufacturer CA and bootstrap certificates for `edge-1` and
 * `edge-2` in the file's data folder, EST on a port of its own, Edge CAs allowed for `edge-1` only.
 */
/** Asynchronous: the service answers from this very process, so a blocking call would wait on itself. */
export const run = (command: string, args: string[], input?: string) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { timeout: 20_000 });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("latin1");
    });
    child.on("error", reject);
    child.on("close", () => resolve(out));
    child.stdin.end(input ?? "");
  });
export const openssl = (dir: string, ...args: string[]) =>
  execFileSync("openssl", args, { cwd: dir, encoding: "utf8", input: "", stdio: ["pipe", "pipe", "pipe"] });

export interface Est {
  url: string;
  dir: string;
  /** Our root, the TLS trust anchor of the EST listener. */
  rootPem: string;
  /** The file in `dir` holding it; `root.pem` for the file's service. */
  rootFile?: string;
}

export const estTest = test.override("serviceOptions", ({ dataDir }) => {
  const dir = dataDir.path;
  // A manufacturer CA and a bootstrap certificate under it, as a device leaves the factory.
  openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "maker.key",
    "-out",
    "maker.pem",
    "-subj",
    "/CN=Maker CA",
    "-days",
    "30",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  );
  for (const name of ["edge-1", "edge-2"]) {
    openssl(
      dir,
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `boot-${name}.key`,
      "-out",
      `boot-${name}.csr`,
      "-subj",
      `/CN=${name}`,
    );
    openssl(
      dir,
      "x509",
      "-req",
      "-in",
      `boot-${name}.csr`,
      "-CA",
      "maker.pem",
      "-CAkey",
      "maker.key",
      "-out",
      `boot-${name}.pem`,
      "-days",
      "10",
    );
  }
  return {
    env: {
      EDGE_PKI_EST_PORT: "0",
      EDGE_PKI_EST_BOOTSTRAP_CA_FILE: join(dir, "maker.pem"),
      EDGE_PKI_EST_EDGE_CA: "edge-1",
    },
  };
});

/**
 * Another service of the test's, as curl reaches it: its EST URL, and its root written as
 * `<name>-root.pem` in the file's folder (beside the bootstrap certificates).
 */
export async function estOf(service: TestService, dir: string, name: string): Promise<Est> {
  const rootPem = (await service.context.issuingCa.current()).root.toString("pem");
  const rootFile = `${name}-root.pem`;
  writeFileSync(join(dir, rootFile), rootPem);
  if (service.est === undefined) throw new Error("no EST listener");
  return { url: `${service.est.url}/.well-known/est`, dir, rootPem, rootFile };
}

export const testWithEst = estTest.extend("est", { scope: "file" }, async ({ dataDir, service }) => {
  const dir = dataDir.path;
  const rootPem = (await service.context.issuingCa.current()).root.toString("pem");
  writeFileSync(join(dir, "root.pem"), rootPem);
  if (service.est === undefined) throw new Error("no EST listener");
  return { url: `${service.est.url}/.well-known/est`, dir, rootPem } satisfies Est;
});

/** A CSR as aziot makes one: base64 of DER in 64-column lines. */
export function csr(est: Est, name: string, subject: string, extensions: string[] = []): string {
  openssl(
    est.dir,
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-subj",
    subject,
    "-outform",
    "DER",
    "-out",
    `${name}.der`,
    ...extensions.flatMap((e) => ["-addext", e]),
  );
  const base64 = readFileSync(join(est.dir, `${name}.der`)).toString("base64");
  return `${base64.match(/.{1,64}/g)?.join("\n")}\n`;
}

/** curl with IoT Edge's headers; `-w` appends the status, and `-D -` the headers. */
export async function curl(
  est: Est,
  path: string,
  options: { body?: string; cert?: string; type?: string; basic?: string } = {},
) {
  const args = ["-sS", "--cacert", join(est.dir, est.rootFile ?? "root.pem"), "-H", "Accept:", "-D", "-"];
  // As aziot sends it: preemptively, `user:password`.
  if (options.basic) args.push("--basic", "-u", options.basic);
  if (options.cert)
    args.push("--cert", join(est.dir, `${options.cert}.pem`), "--key", join(est.dir, `${options.cert}.key`));
  if (options.body !== undefined) {
    args.push(
      "-H",
      `Content-Type: ${options.type ?? "application/pkcs10"}`,
      "-H",
      "content-transfer-encoding: base64",
      "--data-binary",
      "@-",
    );
  }
  const raw = await run("curl", [...args, `${est.url}/${path}`], options.body);
  const [head = "", body = ""] = raw.split(/\r\n\r\n/);
  return { status: Number(head.split(" ")[1]), head: head.toLowerCase(), body };
}

/** The certificates of a certs-only response, PEM, read by openssl. */
export function certificatesOf(body: string): string {
  return execFileSync("openssl", ["pkcs7", "-inform", "DER", "-print_certs"], {
    input: Buffer.from(body, "base64"),
  }).toString();
}

export async function enroll(
  est: Est,
  name: string,
  path: string,
  cert: string,
  subject: string,
  extensions: string[] = [],
) {
  const answer = await curl(est, path, { body: csr(est, name, subject, extensions), cert });
  if (answer.status === 200) writeFileSync(join(est.dir, `${name}.pem`), certificatesOf(answer.body));
  return answer;
}
