// Every runner in the repository resolves the workspace packages to their sources (the "aviary-source" export
// condition): a `node --import tsx` spawn or a tsx script without it would load `dist/`, an error when there is
// none and stale code after `npm pack` built one. Checked in the sources, as a lint would.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repository = resolve(import.meta.dirname, "../../..");
const condition = "--conditions=aviary-source";

/** The TypeScript and JavaScript files under packages/* and apps/* (not node_modules, not builds). */
function sourceFiles(): string[] {
  const files: string[] = [];
  for (const group of ["packages", "apps"]) {
    for (const entry of readdirSync(join(repository, group), { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      if (!entry.isFile() || !/\.(ts|js|mjs)$/.test(entry.name)) continue;
      if (/\/(node_modules|dist)\//.test(path)) continue;
      if (path === import.meta.filename) continue; // this test's own patterns
      files.push(path);
    }
  }
  return files;
}

describe("the aviary-source condition", () => {
  it("is passed by every `--import tsx` / `--import <tsx loader>` spawn and usage note", () => {
    const missing: string[] = [];
    for (const path of sourceFiles()) {
      const text = readFileSync(path, "utf8");
      // `"--import",` in an argument list, or `--import tsx` in a command line.
      const imports = text.match(/"--import",|--import tsx/g)?.length ?? 0;
      const conditions = text.split(condition).length - 1;
      if (imports > conditions) missing.push(`${relative(repository, path)} (${imports} vs ${conditions})`);
    }
    expect(missing).toEqual([]);
  });

  it("is passed by every package.json script that runs tsx", () => {
    const missing: string[] = [];
    const manifests = [
      "package.json",
      ...(
        JSON.parse(readFileSync(join(repository, "package.json"), "utf8")) as { workspaces: string[] }
      ).workspaces.map((workspace) => `${workspace}/package.json`),
    ];
    for (const manifest of manifests) {
      const { scripts = {} } = JSON.parse(readFileSync(join(repository, manifest), "utf8")) as {
        scripts?: Record<string, string>;
      };
      for (const [name, script] of Object.entries(scripts)) {
        if (/\btsx\b/.test(script) && !script.includes(condition)) missing.push(`${manifest}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
