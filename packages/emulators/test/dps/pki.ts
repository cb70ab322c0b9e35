/** Test PKIs made by openssl, independent of the code under test: a root, an intermediate, leaves. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Issued {
  certificatePem: string;
  keyPem: string;
  certificatePath: string;
  keyPath: string;
}

export interface TestPki {
  root: Issued;
  intermediate: Issued;
  /** A device certificate with CN = `name`, signed by the intermediate; chain = leaf, intermediate, root. */
  device(name: string): Promise<Issued & { chainPem: string }>;
  /** Signs a certificate for an existing key pair's CSR, e.g. a verification certificate. */
  signCsr(csrPem: string, by: "root" | "intermediate"): Promise<string>;
  dispose(): Promise<void>;
}

const CA_EXTENSIONS =
  "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n";
const LEAF_EXTENSIONS =
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n";

export async function createPki(label: string): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), `dps-pki-${label}-`));
  let counter = 0;
  const file = (name: string) => join(dir, name);
  const key = async (path: string) =>
    run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]);
  const read = async (certificatePath: string, keyPath: string): Promise<Issued> => ({
    certificatePath,
    keyPath,
    certificatePem: await readFile(certificatePath, "utf8"),
    keyPem: await readFile(keyPath, "utf8"),
  });
  await key(file("root.key"));
  await writeFile(file("ca.ext"), CA_EXTENSIONS);
  await writeFile(file("leaf.ext"), LEAF_EXTENSIONS);
  await run("openssl", [
    ...["req", "-x509", "-key", file("root.key"), "-subj", `/CN=${label} root`, "-days", "30"],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ...["-out", file("root.pem")],
  ]);
  const sign = async (csr: string, out: string, by: "root" | "intermediate", extensions: string) => {
    await run("openssl", [
      ...["x509", "-req", "-in", csr, "-CA", file(`${by}.pem`), "-CAkey", file(`${by}.key`)],
      ...["-set_serial", String(1000 + ++counter), "-days", "7", "-extfile", extensions, "-out", out],
    ]);
  };
  await key(file("intermediate.key"));
  await run("openssl", [
    "req",
    "-new",
    "-key",
    file("intermediate.key"),
    "-subj",
    `/CN=${label} intermediate`,
    "-out",
    file("intermediate.csr"),
  ]);
  await sign(file("intermediate.csr"), file("intermediate.pem"), "root", file("ca.ext"));
  const root = await read(file("root.pem"), file("root.key"));
  const intermediate = await read(file("intermediate.pem"), file("intermediate.key"));
  return {
    root,
    intermediate,
    async device(name) {
      const base = file(`device-${++counter}`);
      await key(`${base}.key`);
      await run("openssl", [
        "req",
        "-new",
        "-key",
        `${base}.key`,
        "-subj",
        `/CN=${name}`,
        "-out",
        `${base}.csr`,
      ]);
      await sign(`${base}.csr`, `${base}.pem`, "intermediate", file("leaf.ext"));
      const issued = await read(`${base}.pem`, `${base}.key`);
      return {
        ...issued,
        chainPem: `${issued.certificatePem}${intermediate.certificatePem}${root.certificatePem}`,
      };
    },
    async signCsr(csrPem, by) {
      const base = file(`signed-${++counter}`);
      await writeFile(`${base}.csr`, csrPem);
      await sign(`${base}.csr`, `${base}.pem`, by, file("leaf.ext"));
      return readFile(`${base}.pem`, "utf8");
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
