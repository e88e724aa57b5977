// Every command documents itself with an example, and input mistakes are caught before anything is sent,
// with exit code 2 and a message naming the option.
import { describe, expect, it } from "vitest";
import { inBatches, runCli } from "./utils/runCli.ts";

/** The names under "Commands:" in a help text (without commander's own `help`). */
function subcommands(help: string): string[] {
  const section = help.split(/\nCommands:\n/)[1]?.split(/\n\n/)[0] ?? "";
  return section
    .split("\n")
    .map((line) => /^ {2}([a-z][a-z-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== "help");
}

// About 30 `aviary --help` processes: quick alone, slow on two cores shared with other test runs.
describe("aviary --help", { timeout: 300_000 }, () => {
  it("every command, group and leaf, prints an example", async () => {
    const root = await runCli(["--help"]);
    expect(root.status).toBe(0);
    const groups = subcommands(root.stdout);
    expect(groups).toEqual(
      expect.arrayContaining([
        "devnet",
        "model",
        "supplier",
        "app",
        "gateway",
        "claims",
        "balances",
        "protocol",
      ]),
    );
    const groupHelps = await inBatches(groups.map((group) => () => runCli([group, "--help"])));
    const paths: string[][] = [];
    groups.forEach((group, index) => {
      const help = groupHelps[index];
      expect(help?.status, group).toBe(0);
      expect(help?.stdout, group).toMatch(/\nExamples?:\n {2}(npx aviary|npm start|echo|AVIARY_)/);
      for (const leaf of subcommands(help?.stdout ?? "")) paths.push([group, leaf]);
    });
    expect(paths.map((path) => path.join(" "))).toEqual(
      expect.arrayContaining([
        "devnet up",
        "devnet down",
        "devnet status",
        "model publish",
        "model pull",
        "model list",
        "supplier stake",
        "supplier offer",
        "supplier start",
        "supplier status",
        "app stake",
        "app delegate",
        "app balance",
        "gateway start",
        "gateway keys",
      ]),
    );
    const leafHelps = await inBatches(paths.map((path) => () => runCli([...path, "--help"])));
    paths.forEach((path, index) => {
      const help = leafHelps[index];
      expect(help?.status, path.join(" ")).toBe(0);
      expect(help?.stdout, path.join(" ")).toMatch(/\nExamples?:\n {2}\S/);
    });
  });

  it("devnet up documents the whole network and its options", async () => {
    const help = await runCli(["devnet", "up", "--help"]);
    expect(help.stdout).toMatch(/three\s+staked suppliers/);
    for (const option of [
      "--model <path>",
      "--backend <url>",
      "--backend-model <name>",
      "--backend-capabilities <list>",
      "--no-explorer",
      "--gateway-port <n>",
      "--explorer-port <n>",
    ])
      expect(help.stdout).toContain(option);
  });
});

describe("bad input: exit code 2 and a message naming what was wrong", () => {
  // The parsers themselves are tested in io.test.ts; these check the plumbing: message on stderr, exit code 2.
  const cases: { args: string[]; env?: Record<string, string>; message: RegExp }[] = [
    { args: ["app", "stake", "--amount", "-5"], message: /--amount must not be negative, got "-5"/ },
    {
      args: ["app", "stake", "--amount", "10"],
      env: { AVIARY_APP_KEY: "" },
      message: /needs a private key in AVIARY_APP_KEY/,
    },
    {
      // The checksummed form is 0x14dC79964da2C08b23698B3D3cc7Ca32193d9955: one letter's case flipped.
      args: [
        "app",
        "delegate",
        "--gateway",
        "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955".replace("dC", "Dc"),
      ],
      message: /--gateway .* has a wrong EIP-55 checksum/,
    },
    {
      args: ["claims", "--application", "nope"],
      message: /--application must be an 0x-prefixed 20-byte address/,
    },
    {
      args: ["model", "list", "--rpc-url", "http://127.0.0.1:1"],
      message: /--rpc-url, --registry and --settlement go together: --registry and --settlement missing/,
    },
    { args: ["model", "list"], message: /No devnet\.json in / },
    {
      args: ["devnet", "up", "--gateway-port", "70000"],
      message: /--gateway-port.*must be a port in 0–65535/,
    },
    { args: ["devnet", "up", "--model", "/no/such/model.gguf"], message: /--model.*no such file/ },
    { args: ["devnet", "up", "--backend", "ftp://example.com"], message: /--backend.*http\(s\) URL/ },
    {
      args: [
        "devnet",
        "up",
        "--backend",
        "http://127.0.0.1:8080/v1",
        "--backend-capabilities",
        "tools,vision",
      ],
      message:
        /--backend-capabilities.*unknown capability "vision": list some of tools, json, logprobs, images/,
    },
    {
      args: ["devnet", "up", "--model", "package.json", "--backend", "http://127.0.0.1:8080/v1"],
      message: /cannot be used with/,
    },
  ];
  it("rejects each with a clear message", async () => {
    const results = await inBatches(cases.map((item) => () => runCli(item.args, item.env)));
    cases.forEach((item, index) => {
      const result = results[index];
      const label = item.args.join(" ");
      expect(result?.stderr, label).toMatch(item.message);
      expect(result?.status, label).toBe(2);
    });
  });
});
