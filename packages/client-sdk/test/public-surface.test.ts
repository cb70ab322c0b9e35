import { fileURLToPath } from "node:url";
import { RevocationReason } from "@edge-pki/api-contract";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REVOCATION_REASONS } from "../src/index.js";

const source = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

/**
 * The SDK's surface, read by the TypeScript compiler as a user's code sees it: every contract type
 * that a public method takes or returns must be importable from the SDK, so users never import
 * @edge-pki/api-contract (a private package of this repository) themselves.
 */
describe("the SDK's public surface", () => {
  const program = ts.createProgram([source("index.ts")], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(source("index.ts")) as ts.SourceFile;
  const exported = new Set(
    checker.getExportsOfModule(checker.getSymbolAtLocation(index) as ts.Symbol).map((symbol) => symbol.name),
  );

  /** The names a public file of the SDK imports from the contract. */
  function contractImports(path: string): string[] {
    const file = program.getSourceFile(source(path)) as ts.SourceFile;
    return file.statements.flatMap((statement) =>
      ts.isImportDeclaration(statement) &&
      (statement.moduleSpecifier as ts.StringLiteral).text === "@edge-pki/api-contract" &&
      statement.importClause?.namedBindings &&
      ts.isNamedImports(statement.importClause.namedBindings)
        ? statement.importClause.namedBindings.elements.map((element) => element.name.text)
        : [],
    );
  }

  it.each(["client.ts", "errors.ts", "device/device-identity.ts"])(
    "exports every contract type %s uses in its signatures",
    (path) => {
      const used = contractImports(path);
      expect(used.length).toBeGreaterThan(0);
      expect(used.filter((name) => !exported.has(name))).toEqual([]);
    },
  );

  it("exports the contract types users name, and the revocation reasons as values", () => {
    for (const name of [
      "ProblemCode",
      "RevocationReason",
      "IssuedCertificate",
      "CaInfo",
      "CertificateRecord",
    ]) {
      expect(exported).toContain(name);
    }
    expect(REVOCATION_REASONS).toEqual(RevocationReason.options);
  });
});
