import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { AnvilNotFoundError } from "../errors.ts";

const platformPackages: Record<string, string> = {
  "linux-x64": "@foundry-rs/anvil-linux-amd64",
  "linux-arm64": "@foundry-rs/anvil-linux-arm64",
  "darwin-x64": "@foundry-rs/anvil-darwin-amd64",
  "darwin-arm64": "@foundry-rs/anvil-darwin-arm64",
  "win32-x64": "@foundry-rs/anvil-win32-amd64",
};

/**
 * Path of the anvil binary shipped inside the npm package for this platform.
 *
 * The binary is spawned directly, never through `npx` or the package's `bin.mjs` wrapper: killing a
 * wrapper leaves anvil holding its port.
 *
 * @example
 * const anvilPath = resolveAnvilBinary(); // …/@foundry-rs/anvil-linux-amd64/bin/anvil
 */
export function resolveAnvilBinary(): string {
  const platform = `${process.platform}-${process.arch}`;
  const packageName = platformPackages[platform];
  if (!packageName) throw new AnvilNotFoundError({ platform });
  const require = createRequire(import.meta.url);
  let packageJsonPath: string;
  try {
    packageJsonPath = require.resolve(`${packageName}/package.json`);
  } catch (cause) {
    throw new AnvilNotFoundError({ platform, packageName, cause });
  }
  const binary = join(dirname(packageJsonPath), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!existsSync(binary)) throw new AnvilNotFoundError({ platform, packageName });
  return binary;
}
