// The repository's package rules (docs/architecture.md, Packages), checked on the sources as they are:
// cross-package imports only by declared package name, dependencies of the sources running one way, no test
// support under a package's src/, and a gateway that loads no model runtime.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

type Workspace = {
  directory: string;
  name: string;
  dependencies: Set<string>;
  devDependencies: Set<string>;
};
type SourceFile = { workspace: Workspace; path: string; isSource: boolean; specifiers: string[] };

const workspaces: Workspace[] = ["packages", "apps"].flatMap((group) =>
  readdirSync(join(root, group))
    .map((entry) => join(root, group, entry))
    .filter((directory) => existsSync(join(directory, "package.json")))
    .map((directory) => {
      const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      return {
        directory,
        name: manifest.name,
        dependencies: new Set(Object.keys(manifest.dependencies ?? {})),
        devDependencies: new Set(Object.keys(manifest.devDependencies ?? {})),
      };
    }),
);

function listTypeScript(directory: string, files: string[] = []): string[] {
  for (const entry of readdirSync(directory)) {
    if (entry === "node_modules" || entry === "dist") continue;
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) listTypeScript(path, files);
    else if (/\.(ts|tsx|mts)$/.test(entry)) files.push(path);
  }
  return files;
}

const importPattern = /(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g;
const files: SourceFile[] = workspaces.flatMap((workspace) =>
  listTypeScript(workspace.directory).map((path) => {
    const inPackage = relative(workspace.directory, path);
    return {
      workspace,
      path,
      // What the package ships: src/, less its unit tests.
      isSource: inPackage.startsWith("src/") && !/\.test\.tsx?$/.test(inPackage),
      specifiers: [...readFileSync(path, "utf8").matchAll(importPattern)].map((match) => match[1] as string),
    };
  }),
);
const packageOf = (specifier: string) => specifier.split("/").slice(0, 2).join("/");
const shown = (file: SourceFile) => relative(root, file.path);

describe("package graph", () => {
  test("test_noFile_importsAnotherPackagesFiles_byRelativePath", () => {
    const offending = files.flatMap((file) =>
      file.specifiers
        .filter((specifier) => specifier.startsWith("."))
        .map((specifier) => resolve(dirname(file.path), specifier))
        .filter((target) => !target.startsWith(`${file.workspace.directory}/`))
        .map((target) => `${shown(file)} → ${relative(root, target)}`),
    );
    expect(offending).toEqual([]);
  });

  test("test_everyAviaryImport_isDeclared_dependenciesForSources", () => {
    const undeclared = files.flatMap((file) =>
      file.specifiers
        .filter((specifier) => specifier.startsWith("@aviary/"))
        .map(packageOf)
        .filter((name) => name !== file.workspace.name)
        .filter((name) =>
          file.isSource
            ? !file.workspace.dependencies.has(name)
            : !file.workspace.dependencies.has(name) && !file.workspace.devDependencies.has(name),
        )
        .map(
          (name) =>
            `${shown(file)} imports ${name}, not in its package.json ${file.isSource ? "dependencies" : "(dev)dependencies"}`,
        ),
    );
    expect(undeclared).toEqual([]);
  });

  test("test_sourceDependencies_runOneWay", () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files.filter((entry) => entry.isSource))
      for (const specifier of file.specifiers.filter((entry) => entry.startsWith("@aviary/"))) {
        const target = packageOf(specifier);
        if (target === file.workspace.name) continue;
        const targets = edges.get(file.workspace.name) ?? new Set<string>();
        targets.add(target);
        edges.set(file.workspace.name, targets);
      }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (name: string, path: string[]) => {
      state.set(name, "open");
      for (const target of edges.get(name) ?? []) {
        if (state.get(target) === "open") cycles.push([...path, name, target].join(" → "));
        else if (!state.has(target)) visit(target, [...path, name]);
      }
      state.set(name, "done");
    };
    for (const name of edges.keys()) if (!state.has(name)) visit(name, []);
    expect(cycles).toEqual([]);
    // The layers docs/architecture.md names: the protocol depends on no package, the sdk only on it.
    expect([...(edges.get("@aviary/protocol") ?? [])]).toEqual([]);
    expect([...(edges.get("@aviary/sdk") ?? [])]).toEqual(["@aviary/protocol"]);
  });

  test("test_gatewaySources_loadNoModelRuntime_norTheAuditor", () => {
    const forbidden = ["@aviary/audit", "@aviary/image-runtime", "node-llama-cpp", "onnxruntime-node"];
    const gateway = files.filter((file) => file.isSource && file.workspace.name === "@aviary/gateway");
    expect(gateway.length).toBeGreaterThan(0);
    const offending = gateway.flatMap((file) =>
      file.specifiers
        .filter((specifier) => forbidden.includes(packageOf(specifier)))
        .map((s) => `${shown(file)}: ${s}`),
    );
    expect(offending).toEqual([]);
  });

  test("test_noTestSupport_underAPackagesSrc", () => {
    const offending = files
      .filter((file) => file.isSource && file.workspace.name !== "@aviary/testkit")
      .filter((file) =>
        file.specifiers.some((specifier) => specifier === "vitest" || specifier === "@aviary/testkit"),
      )
      .map(shown);
    expect(offending).toEqual([]);
  });
});
