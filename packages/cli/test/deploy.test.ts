// `aviary deploy` as a user runs it: bad parameter files refused with every problem named (exit 2, before any
// key or network is used), and a deployment on anvil with a keystore, checked and usable with --deployment.
import { createCipheriv, pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AnvilInstance, devAccounts, startAnvil } from "@aviary/devnet";
import { parseDeploymentFile } from "@aviary/protocol";
import { bytesToHex, concat, hexToBytes, keccak256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./utils/runCli.ts";

const folder = mkdtempSync(join(tmpdir(), "aviary-deploy-"));
const [deployer, treasury] = devAccounts(2);
const deployerKey = deployer?.privateKey as `0x${string}`;

function file(name: string, content: unknown): string {
  const path = join(folder, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("aviary deploy refuses bad parameter files", () => {
  it("names every broken rule at once and exits 2", async () => {
    const params = file("bad-rules.json", {
      registry: {
        sessionBlocks: 10,
        graceBlocks: 4,
        claimBlocks: 200, // g + 1 + c > L
        proofBlocks: 60, // c + pf ≥ 256
        maxSourceShareBps: 10_001,
        applicationUnbondingSessions: 1,
        maxDelegates: 0,
        treasury: "0x0000000000000000000000000000000000000000",
      },
      settlement: {
        protocolShareBps: 9000,
        proofProbability: "1.5",
        proofThreshold: "100",
        missingProofPenalty: "1",
        reporterShareBps: 20_000,
        difficultyAlpha: "0",
      },
    });
    const result = await runCli(
      ["deploy", "--rpc-url", "http://127.0.0.1:9", "--params", params, "--test-token"],
      { AVIARY_DEPLOYER_KEY: deployerKey },
    );
    expect(result.status, result.stderr).toBe(2);
    for (const problem of [
      "registry.graceBlocks: graceBlocks + 1 + claimBlocks (205) must be at most sessionBlocks (10)",
      "registry.proofBlocks: claimBlocks + proofBlocks (260) must be below 256",
      "registry.maxSourceShareBps: must be at most 10000 bps",
      "registry.maxDelegates: must be at least 1",
      "registry.treasury: must not be the zero address",
      "settlement.protocolShareBps: protocolShareBps + registry.maxSourceShareBps (19001)",
      "settlement.reporterShareBps: must be at most 10000 bps",
      "settlement.proofProbability: must be at most 1",
      "settlement.difficultyAlpha: must be above 0",
    ]) {
      expect(result.stderr).toContain(problem);
    }
    expect(result.stdout).toBe("");
  });

  it("names the unbonding rule and the penalty inequality with valid windows", async () => {
    const params = file("bad-economics.json", {
      registry: {
        sessionBlocks: 20,
        graceBlocks: 4,
        claimBlocks: 8,
        proofBlocks: 8,
        applicationUnbondingSessions: 3,
        treasury: treasury?.address,
      },
      settlement: { proofProbability: "0.25", proofThreshold: "100", missingProofPenalty: "300" },
    });
    const result = await runCli(
      ["deploy", "--rpc-url", "http://127.0.0.1:9", "--params", params, "--test-token"],
      { AVIARY_DEPLOYER_KEY: deployerKey },
    );
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain("(2 problems)");
    expect(result.stderr).toContain(
      "registry.applicationUnbondingSessions: must be at least pendingSessions + 1 = 4",
    );
    expect(result.stderr).toContain("settlement.missingProofPenalty: proofProbability × missingProofPenalty");
  });

  it("names schema problems: unknown fields, wrong types, a missing treasury", async () => {
    const params = file("bad-schema.json", {
      registry: { sessionBlocks: "twenty", claimBlock: 8 },
      settlement: { proofThreshold: "-1" },
    });
    const result = await runCli(
      ["deploy", "--rpc-url", "http://127.0.0.1:9", "--params", params, "--test-token"],
      { AVIARY_DEPLOYER_KEY: deployerKey },
    );
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain("registry.sessionBlocks");
    expect(result.stderr).toContain("registry.treasury");
    expect(result.stderr).toContain('registry: Unrecognized key: "claimBlock"');
    expect(result.stderr).toContain("settlement.proofThreshold");
  });

  it("needs a token choice and a key from the environment", async () => {
    const noToken = await runCli(["deploy", "--rpc-url", "http://127.0.0.1:9"], {
      AVIARY_DEPLOYER_KEY: deployerKey,
    });
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toContain("--token ADDRESS or --test-token");
    const noKey = await runCli(["deploy", "--rpc-url", "http://127.0.0.1:9", "--test-token"], {
      AVIARY_DEPLOYER_KEY: "",
    });
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toContain("AVIARY_DEPLOYER_KEY");
  });
});

/** A v3 keystore (pbkdf2, few rounds: a test) of `privateKey` under `password`. */
function keystore(privateKey: `0x${string}`, password: string): string {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = pbkdf2Sync(password, salt, 1024, 32, "sha256");
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  const mac = keccak256(concat([derived.subarray(16, 32), ciphertext]));
  return JSON.stringify({
    version: 3,
    crypto: {
      cipher: "aes-128-ctr",
      ciphertext: ciphertext.toString("hex"),
      cipherparams: { iv: iv.toString("hex") },
      kdf: "pbkdf2",
      kdfparams: { c: 1024, dklen: 32, prf: "hmac-sha256", salt: bytesToHex(salt).slice(2) },
      mac: mac.slice(2),
    },
  });
}

describe("aviary deploy on anvil", () => {
  let anvil: AnvilInstance;
  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31337 });
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it("deploys with a keystore, checks the code, and the file works as --deployment", async () => {
    const keystorePath = file("deployer.json", keystore(deployerKey, "correct horse"));
    const wrong = await runCli(
      ["deploy", "--rpc-url", anvil.rpcUrl, "--test-token", "--keystore", keystorePath],
      { AVIARY_DEPLOYER_KEY: "", AVIARY_KEYSTORE_PASSWORD: "wrong" },
    );
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("Wrong password");

    const out = join(folder, "anvil-deployment.json");
    const params = file("good.json", { registry: { treasury: treasury?.address } });
    const result = await runCli(
      [
        "deploy",
        "--rpc-url",
        anvil.rpcUrl,
        "--test-token",
        "--params",
        params,
        "--keystore",
        keystorePath,
        "--confirmations",
        "1",
        "--out",
        out,
      ],
      { AVIARY_DEPLOYER_KEY: "", AVIARY_KEYSTORE_PASSWORD: "correct horse" },
    );
    expect(result.status, result.stderr).toBe(0);
    for (const step of ["token ✓", "registry ✓", "settlement ✓", "link ✓", "checking the code"])
      expect(result.stderr).toContain(step);
    const parsed = parseDeploymentFile(JSON.parse(readFileSync(out, "utf8")));
    if (!parsed.success) throw new Error(parsed.problems.join("\n"));
    expect(parsed.deployment.chainId).toBe(31337);
    expect(parsed.deployment.deployer).toBe(deployer?.address);
    expect(parsed.deployment.parameters.registry.treasury).toBe(treasury?.address);

    const list = await runCli(["model", "list", "--deployment", out, "--rpc-url", anvil.rpcUrl]);
    expect(list.status, list.stderr).toBe(0);
    const mixed = await runCli([
      "model",
      "list",
      "--deployment",
      out,
      "--rpc-url",
      anvil.rpcUrl,
      "--registry",
      parsed.deployment.contracts.registry.address,
    ]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain("leave out --registry and --settlement");
  });
});
