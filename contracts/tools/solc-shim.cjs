#!/usr/bin/env node
// Makes solc-js (the `solc` npm package) answer like native solc, so forge runs offline with no
// compiler download. Forge calls `--version` and `--standard-json` (input on stdin).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const solc = require("solc");

// Writing with fs.writeSync: process.stdout.write on a pipe is asynchronous and forge reads a cut
// output (64 KiB) when the process exits first.
function writeAll(fd, text) {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
    } catch (error) {
      if (error.code !== "EAGAIN") throw error;
    }
  }
}

const args = process.argv.slice(2);
if (args.includes("--version")) {
  const version = solc.version().replace(".Emscripten.clang", "");
  writeAll(1, `solc, the solidity compiler commandline interface\nVersion: ${version}.Linux.g++\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  writeAll(2, `solc-shim: only --version and --standard-json are supported (got: ${args.join(" ")})\n`);
  process.exit(2);
}

const roots = [process.cwd()];
for (let index = 0; index < args.length; index += 1) {
  if ((args[index] === "--base-path" || args[index] === "--include-path") && args[index + 1]) {
    roots.push(path.resolve(args[index + 1]));
  }
}
function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `File not found: ${importPath}` };
}

const input = fs.readFileSync(0, "utf8");
writeAll(1, solc.compile(input, { import: findImports }));
