import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The system openssl, as an independent verifier. Arguments are an array: no shell involved. Its
 * standard input gets `input` and is then closed, so a command that reads it (s_client) ends.
 */
export async function openssl(
  args: string[],
  options: { cwd?: string; input?: string } = {},
): Promise<string> {
  const pending = run("openssl", args, { cwd: options.cwd, maxBuffer: 10 * 1024 * 1024 });
  pending.child.stdin?.end(options.input);
  const { stdout, stderr } = await pending;
  return stdout + stderr;
}

/** Runs openssl and returns its exit status and output instead of throwing. */
export async function opensslStatus(
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number; output: string }> {
  try {
    return { code: 0, output: await openssl(args, options) };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, output: `${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}

export interface TempDir {
  path: string;
  file(name: string, content: string | Uint8Array): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(prefix = "edge-pki-test-"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    file: async (name, content) => {
      const target = join(path, name);
      await writeFile(target, content);
      return target;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

export type CsrKey =
  | "P-256"
  | "P-384"
  | "P-521"
  | "secp256k1"
  | "RSA-1024"
  | "RSA-2048"
  | "RSA-3072"
  | "RSA-4096"
  | "ED25519";

/** A key and a CSR made by openssl, not by our code. Returns PEMs. */
export async function opensslCsr(
  dir: TempDir,
  subject: string,
  key: CsrKey = "P-256",
  digest = "sha256",
): Promise<{ csrPem: string; keyPath: string; csrPath: string; keyPem: string }> {
  const stem = join(
    dir.path,
    `${subject.replace(/[^A-Za-z0-9]/g, "_")}-${key}-${Math.random().toString(36).slice(2)}`,
  );
  const keyPath = `${stem}.key.pem`;
  const csrPath = `${stem}.csr.pem`;
  if (key.startsWith("RSA-")) {
    await openssl([
      "genpkey",
      "-algorithm",
      "RSA",
      "-pkeyopt",
      `rsa_keygen_bits:${key.slice(4)}`,
      "-out",
      keyPath,
    ]);
  } else if (key === "ED25519") {
    await openssl(["genpkey", "-algorithm", "ED25519", "-out", keyPath]);
  } else {
    await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${key}`, "-out", keyPath]);
  }
  await openssl(["req", "-new", "-key", keyPath, `-${digest}`, "-subj", subject, "-out", csrPath]);
  const { readFile } = await import("node:fs/promises");
  return {
    csrPem: await readFile(csrPath, "utf8"),
    keyPath,
    csrPath,
    keyPem: await readFile(keyPath, "utf8"),
  };
}

/** A self-signed TLS server certificate for 127.0.0.1/localhost, made by openssl. */
export function opensslServerCertificate(
  dir: TempDir,
  name: string,
): Promise<{ keyPath: string; certPath: string }> {
  return opensslSelfSigned(dir.path, name, {
    subject: "/CN=localhost",
    extensions: ["subjectAltName=DNS:localhost,IP:127.0.0.1"],
  });
}

/**
 * A self-signed certificate and its P-256 key, `<name>.pem` and `<name>.key` in `dir`, made by
 * openssl for a day: a CA (openssl's default extensions) unless `extensions` say otherwise.
 */
export async function opensslSelfSigned(
  dir: string,
  name: string,
  options: { subject: string; extensions?: string[] },
): Promise<{ keyPath: string; certPath: string }> {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.pem`);
  await openssl([
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", keyPath, "-out", certPath, "-subj", options.subject, "-days", "1"],
    ...(options.extensions ?? []).flatMap((extension) => ["-addext", extension]),
  ]);
  return { keyPath, certPath };
}
