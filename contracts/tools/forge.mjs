#!/usr/bin/env node
// Runs the forge binary that @foundry-rs/forge installs for this platform and exits with ITS status.
// The package's own `forge` wrapper (1.7.1) spawns the binary but never passes its exit code on, so a
// failing `forge test` or `forge build` would let `npm test` go on as if it had passed.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const platformPackages = {
  "linux-x64": "@foundry-rs/forge-linux-amd64",
  "linux-arm64": "@foundry-rs/forge-linux-arm64",
  "darwin-x64": "@foundry-rs/forge-darwin-amd64",
  "darwin-arm64": "@foundry-rs/forge-darwin-arm64",
  "win32-x64": "@foundry-rs/forge-win32-amd64",
};
const platform = `${process.platform}-${process.arch}`;
const packageName = platformPackages[platform];
if (!packageName) {
  console.error(`forge: no Foundry binary package for ${platform}`);
  process.exit(1);
}
let binary;
try {
  binary = createRequire(import.meta.url).resolve(
    `${packageName}/bin/${process.platform === "win32" ? "forge.exe" : "forge"}`,
  );
} catch {
  console.error(`forge: ${packageName} is not installed (run npm install)`);
  process.exit(1);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  console.error(`forge: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
