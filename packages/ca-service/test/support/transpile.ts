import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `from "./x.js"`, `import "./x.js"` and `import("./x.js")`: the package's own modules. */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.\.?\/[^"']+)["']/g;

/**
 * Writes `entry` (a .ts module of this package) and every package module it imports, types
 * stripped, into `outDir` with the package's layout, and returns the entry's URL for plain Node:
 * a worker thread then runs today's source, where the build in dist/ may be stale. Types are not
 * checked here (`pnpm typecheck` does that); dependencies resolve from the package's node_modules.
 */
export async function transpileForNode(entry: string, outDir: string): Promise<string> {
  await writeFile(join(outDir, "package.json"), '{ "type": "module" }\n');
  await symlink(join(PACKAGE_ROOT, "node_modules"), join(outDir, "node_modules"), "dir");
  const pending = [resolve(entry)];
  const written = new Set<string>();
  for (let source = pending.pop(); source !== undefined; source = pending.pop()) {
    if (written.has(source)) continue;
    written.add(source);
    const { outputText } = ts.transpileModule(await readFile(source, "utf8"), {
      fileName: source,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const target = join(outDir, relative(PACKAGE_ROOT, source)).replace(/\.ts$/, ".js");
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
    for (const [, specifier] of outputText.matchAll(RELATIVE_IMPORT)) {
      pending.push(resolve(dirname(source), (specifier as string).replace(/\.js$/, ".ts")));
    }
  }
  return pathToFileURL(join(outDir, relative(PACKAGE_ROOT, resolve(entry)).replace(/\.ts$/, ".js"))).href;
}
