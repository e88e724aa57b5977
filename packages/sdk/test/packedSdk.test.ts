// The SDK as an app gets it: `@aviary/protocol` and `@aviary/sdk` packed (`npm pack` builds them), installed
// with the official `openai` client in a fresh folder outside the repository, and the README's direct-access
// snippet, extracted from README.md, run as printed by plain `node` (no tsx, no source condition) against a
// real local network (anvil, the contracts, real supplier nodes on the generated test model). The snippet and a
// typed consumer also type-check against the packed declarations.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { startTestNetwork, type TestNetwork, testModelName } from "@aviary/testkit/direct-network";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repository = resolve(import.meta.dirname, "../../..");
const folder = mkdtempSync(join(tmpdir(), "aviary-packed-sdk-"));
const packs = join(folder, "packs");
const app = join(folder, "my-app");
const home = join(folder, "aviary-home");

/** The `language` code block after a README marker comment naming this test, exactly as printed. */
function readmeBlock(language: "sh" | "js"): string {
  const readme = readFileSync(join(repository, "README.md"), "utf8");
  const marker =
    /<!-- packages\/sdk\/test\/packedSdk\.test\.ts runs the next code block[^\n]*-->\n```(\w+)\n([\s\S]*?)\n```\n/g;
  const block = [...readme.matchAll(marker)].find((match) => match[1] === language)?.[2];
  if (block === undefined)
    throw new Error(`README.md: no \`\`\`${language} block after a packedSdk.test.ts marker`);
  return `${block}\n`;
}

/**
 * This process's environment for a child: npm prefers its cache (warm after `npm ci`) and skips the audit and
 * funding notes; dropped are the options of an npm running these tests that would change what the child does
 * (a workspace, a dry run, ignored scripts) and NODE_OPTIONS (the app runs on plain node).
 */
function childEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    ...extra,
  };
  for (const key of Object.keys(environment)) {
    if (
      /^npm_config_(workspaces?|include_workspace_root|dry_run|ignore_scripts|global|prefix|json)$/i.test(key)
    ) {
      delete environment[key];
    }
  }
  delete environment.NODE_OPTIONS;
  return environment;
}

/** Every file under `directory`, relative to it. */
function listFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)));
}

const sh = (script: string, cwd: string) =>
  run("sh", ["-e", "-c", script], { cwd, env: childEnvironment(), maxBuffer: 64 * 1024 * 1024 });

/**
 * The README's install commands, with a temporary folder for its `/tmp/aviary-packs`: the first line (pack)
 * in the repository, the others in `folder` (they make `my-app`).
 */
async function packAndInstall(): Promise<void> {
  const [pack, ...install] = readmeBlock("sh").replaceAll("/tmp/aviary-packs", packs).trim().split("\n");
  await sh(pack ?? "", repository);
  await sh(install.join("\n"), folder);
  // @types/node for the type check only (the root's range, so npm's cache has it).
  await sh("npm install @types/node@^20.19.0", app);
}

let network: TestNetwork;

beforeAll(async () => {
  const [started] = await Promise.all([
    startTestNetwork([{ inputPrice: 10n ** 12n, outputPrice: 10n ** 12n }]),
    packAndInstall(),
  ]);
  network = started;
  // What `npm start` writes and the snippet reads: the fields it uses, from the test network.
  mkdirSync(home);
  writeFileSync(
    join(home, "devnet.json"),
    JSON.stringify({
      rpcUrl: network.chain.rpcUrl,
      chainId: network.chain.chainId,
      contracts: { registry: network.chain.registry, settlement: network.chain.settlement },
      application: network.application,
      model: { name: testModelName },
    }),
  );
}, 300_000);

afterAll(async () => {
  await network?.stop();
  rmSync(folder, { recursive: true, force: true });
});

describe("the packed @aviary/sdk in an app outside the repository", () => {
  it("installs built JavaScript and declarations only: no sources, tests or test helpers", () => {
    for (const name of ["sdk", "protocol"]) {
      const files = listFiles(join(app, "node_modules", "@aviary", name));
      expect(files).toContain("dist/index.js");
      expect(files).toContain("dist/index.d.ts");
      expect(files.filter((file) => !/^dist\/.*\.(js|d\.ts)$/.test(file)).sort()).toEqual(["package.json"]);
      expect(files.filter((file) => /\.test\.|\.conformance\./.test(file))).toEqual([]);
    }
  });

  it("runs the README's direct-access snippet as printed on plain node: an answer relayed by a supplier", async () => {
    const snippet = readmeBlock("js");
    writeFileSync(join(app, "direct.mjs"), snippet);
    const { stdout } = await run(process.execPath, ["direct.mjs"], {
      cwd: app,
      env: childEnvironment({ AVIARY_HOME: home }),
    });
    // The answer's content and console.log's newline: the test model's text is never empty.
    expect(stdout.length).toBeGreaterThan(1);
  });

  it("type-checks the snippet and a typed consumer against the packed declarations", async () => {
    writeFileSync(join(app, "direct.mjs"), readmeBlock("js"));
    writeFileSync(
      join(app, "consumer.mts"),
      [
        'import { createAviaryFetch, type CreateAviaryFetchParameters } from "@aviary/sdk";',
        'import OpenAI from "openai";',
        'import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";',
        "const parameters: CreateAviaryFetchParameters = {",
        "  account: privateKeyToAccount(generatePrivateKey()),",
        `  chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, registry: "${network.chain.registry}", settlement: "${network.chain.settlement}" },`,
        "};",
        'const client = new OpenAI({ apiKey: "unused", baseURL: "http://aviary.local/v1", fetch: createAviaryFetch(parameters) });',
        "export const answer: Promise<OpenAI.Chat.ChatCompletion> = client.chat.completions.create({",
        '  model: "m", messages: [{ role: "user", content: "Hi" }],',
        "});",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          target: "es2022",
          strict: true,
          noEmit: true,
          allowJs: true,
          checkJs: true,
          // Declaration files are checked too: the packed .d.ts must hold together for a consumer.
          skipLibCheck: false,
          types: ["node"],
        },
        files: ["direct.mjs", "consumer.mts"],
      }),
    );
    const tsc = join(repository, "node_modules", "typescript", "bin", "tsc");
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: app }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    );
    expect(result.stdout).toBe("");
  });
});
