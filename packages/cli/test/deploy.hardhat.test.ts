// A second, independent chain implementation: Hardhat 2's JSON-RPC node (from npm), with interval mining (a
// block every 2 s, no automine) as on a public chain. `aviary deploy` (the real CLI process) deploys there,
// then a supplier and a gateway (in-process, configured with `chain.deployment`) serve relays, and the
// supplier claims, proves and settles them on its own; the payouts are checked against the library.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type GatewayNode, parseGatewayConfig, startGateway } from "@aviary/gateway";
import {
  aviaryChain,
  aviaryRegistryAbi,
  aviarySettlementAbi,
  aviaryTokenAbi,
  claimKey as computeClaimKey,
  type DeploymentFile,
  parseDeploymentFile,
  splitPayment,
} from "@aviary/protocol";
import { getClaim } from "@aviary/sdk";
import { parseSupplierConfig, type SupplierNode, startSupplier } from "@aviary/supplier";
import { type InstantServer, startInstantOpenAiServer } from "@aviary/testkit";
import pino from "pino";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  maxUint256,
  type PublicClient,
  parseUnits,
  toHex,
} from "viem";
import { mnemonicToAccount, nonceManager } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./utils/runCli.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = join(here, "..", "..", "..");
const mnemonic = "test test test test test test test test test test test junk";
const account = (index: number) => mnemonicToAccount(mnemonic, { addressIndex: index, nonceManager });
const privateKey = (index: number): Hex =>
  toHex(mnemonicToAccount(mnemonic, { addressIndex: index }).getHdKey().privateKey as Uint8Array);
const blockMs = 2_000;
const L = 8n;
const modelName = "hardhat-instant-model";
const modelId = keccak256(toHex(modelName));
const inputPrice = 10n ** 9n;
const outputPrice = 3n * 10n ** 9n;
const sourceShareBps = 1000;

let hardhat: ChildProcess | undefined;
let rpcUrl: string;
let home: string;
let supplier: SupplierNode | undefined;
let gateway: GatewayNode | undefined;
let upstream: InstantServer | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "aviary-hardhat-"));
  const port = await freePort();
  rpcUrl = `http://127.0.0.1:${port}`;
  hardhat = spawn(
    process.execPath,
    [
      join(repositoryRoot, "node_modules", "hardhat", "internal", "cli", "cli.js"),
      "node",
      "--port",
      String(port),
    ],
    {
      cwd: join(here, "hardhat"),
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", HARDHAT_BLOCK_MS: String(blockMs) },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  hardhat.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await probe.getChainId();
      break;
    } catch {
      if (Date.now() > deadline || hardhat.exitCode !== null)
        throw new Error(`hardhat node did not start: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
});

afterAll(async () => {
  await gateway?.stop().catch(() => {});
  await supplier?.stop().catch(() => {});
  await upstream?.close().catch(() => {});
  hardhat?.kill("SIGTERM");
});

describe("on Hardhat 2's node with 2 s blocks", () => {
  let deployment: DeploymentFile;
  let deploymentPath: string;
  const treasury = account(9).address;

  it("aviary deploy deploys, checks the code and writes the deployment file", async () => {
    const paramsPath = join(home, "params.json");
    writeFileSync(
      paramsPath,
      JSON.stringify({
        registry: {
          sessionBlocks: Number(L),
          graceBlocks: 1,
          claimBlocks: 3,
          proofBlocks: 3,
          // pendingSessions = floor((1 + 1 + 3 + 3) / 8) + 2 = 3
          applicationUnbondingSessions: 4,
          treasury,
        },
        // A claim of a few relays is above the threshold: its proof is required, so the test sees one.
        settlement: { proofThreshold: "0.00000001", missingProofPenalty: "0.0000001" },
      }),
    );
    deploymentPath = join(home, "deployment.json");
    const result = await runCli(
      ["deploy", "--rpc-url", rpcUrl, "--params", paramsPath, "--test-token", "--out", deploymentPath],
      { AVIARY_DEPLOYER_KEY: privateKey(0) },
    );
    expect(result.stderr).toContain("checking the code at every address");
    expect(result.status, result.stderr).toBe(0);
    const parsed = parseDeploymentFile(JSON.parse(readFileSync(deploymentPath, "utf8")));
    if (!parsed.success) throw new Error(parsed.problems.join("\n"));
    deployment = parsed.deployment;
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(readFileSync(deploymentPath, "utf8")));
    expect(deployment.chainId).toBe(31338);
    expect(deployment.testToken).toBe(true);
    expect(deployment.compilerVersion).toMatch(/^0\.8\.30\+commit\./);
    expect(deployment.parameters.registry.sessionBlocks).toBe("8");
    expect(deployment.contracts.registry.runtimeCodeHash).toMatch(/^0x[0-9a-f]{64}$/);
    // Any command takes the file instead of devnet.json.
    const list = await runCli(["model", "list", "--deployment", deploymentPath, "--rpc-url", rpcUrl]);
    expect(list.status, list.stderr).toBe(0);
  });

  it("serves relays through a supplier and a gateway, then claims, proves, settles and pays", async () => {
    const chain = aviaryChain({ rpcUrl, chainId: deployment.chainId });
    const publicClient = createPublicClient({
      chain,
      transport: http(rpcUrl),
      pollingInterval: 250,
      cacheTime: 0,
    }) as PublicClient;
    const contracts = {
      token: deployment.contracts.token.address as Address,
      registry: deployment.contracts.registry.address as Address,
      settlement: deployment.contracts.settlement.address as Address,
    };
    const deployer = account(0);
    const owner = account(1); // the supplier's owner and operator
    const gatewayAccount = account(2);
    const application = account(3);
    const source = account(4);
    async function send(
      from: ReturnType<typeof account>,
      call: { address: Address; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] },
    ) {
      const wallet = createWalletClient({ account: from, chain, transport: http(rpcUrl) });
      // biome-ignore lint/suspicious/noExplicitAny: typed by the callers' ABIs
      const hash = await wallet.writeContract(call as any);
      return hash;
    }
    const confirmed = async (hashes: Hex[]) => {
      for (const hash of hashes) {
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        expect(receipt.status).toBe("success");
      }
    };
    const tokenCall = { address: contracts.token, abi: aviaryTokenAbi } as const;
    const registryCall = { address: contracts.registry, abi: aviaryRegistryAbi } as const;
    const avy = (value: string) => parseUnits(value, 18);

    // Mints sent back to back (nonces from viem's nonce manager), confirmed together.
    await confirmed(
      await Promise.all(
        [owner, gatewayAccount, application, source].map((to) =>
          send(deployer, { ...tokenCall, functionName: "mint", args: [to.address, avy("100000")] }),
        ),
      ),
    );
    // Each actor's transactions in order; the actors side by side.
    await Promise.all([
      (async () => {
        await confirmed([
          await send(source, {
            ...tokenCall,
            functionName: "approve",
            args: [contracts.registry, maxUint256],
          }),
        ]);
        await confirmed([
          await send(source, {
            ...registryCall,
            functionName: "registerModel",
            args: [
              modelName,
              keccak256(toHex("weights")),
              "https://example.org/model.gguf",
              0,
              source.address,
              sourceShareBps,
            ],
          }),
        ]);
        await confirmed([
          await send(owner, {
            ...tokenCall,
            functionName: "approve",
            args: [contracts.registry, maxUint256],
          }),
        ]);
        await confirmed([
          await send(owner, {
            ...registryCall,
            functionName: "stakeSupplier",
            args: [avy("2000"), owner.address, "http://127.0.0.1:9/"],
          }),
        ]);
        await confirmed([
          await send(owner, {
            ...registryCall,
            functionName: "setOffer",
            args: [modelId, inputPrice, outputPrice],
          }),
        ]);
      })(),
      (async () => {
        await confirmed([
          await send(gatewayAccount, {
            ...tokenCall,
            functionName: "approve",
            args: [contracts.registry, maxUint256],
          }),
        ]);
        await confirmed([
          await send(gatewayAccount, {
            ...registryCall,
            functionName: "stakeGateway",
            args: [avy("100"), "http://127.0.0.1:9/"],
          }),
        ]);
        await confirmed([
          await send(application, {
            ...tokenCall,
            functionName: "approve",
            args: [contracts.registry, maxUint256],
          }),
        ]);
        await confirmed([
          await send(application, { ...registryCall, functionName: "stakeApplication", args: [avy("1000")] }),
        ]);
        await confirmed([
          await send(application, {
            ...registryCall,
            functionName: "delegate",
            args: [gatewayAccount.address],
          }),
        ]);
      })(),
    ]);

    upstream = await startInstantOpenAiServer();
    const logger = pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" });
    supplier = await startSupplier(
      parseSupplierConfig(
        {
          chain: { rpcUrl, deployment: deploymentPath },
          supplier: owner.address,
          operatorKey: privateKey(1),
          server: { host: "127.0.0.1", port: 0 },
          dataDir: join(home, "supplier"),
          models: [
            {
              name: modelName,
              inputPrice: inputPrice.toString(),
              outputPrice: outputPrice.toString(),
              backend: { type: "openai", baseUrl: upstream.baseUrl, model: "instant" },
            },
          ],
        },
        { baseDirectory: home },
      ),
      { logger },
    );
    await confirmed([
      await send(owner, { ...registryCall, functionName: "setSupplierEndpoint", args: [supplier.url] }),
    ]);

    // Offers, delegations and endpoints apply from the next session's first block.
    const ready = (await publicClient.getBlockNumber()) / L + 1n;
    while ((await publicClient.getBlockNumber()) < ready * L)
      await new Promise((resolve) => setTimeout(resolve, 250));

    gateway = await startGateway(
      parseGatewayConfig(
        {
          chain: { rpcUrl, deployment: deploymentPath },
          gatewayKey: privateKey(2),
          applications: [application.address],
          server: { host: "127.0.0.1", port: 0 },
          store: ":memory:",
          defaultMaxTokens: 16,
        },
        { baseDirectory: home },
      ),
      { logger },
    );
    const { key } = await gateway.store.createKey({ name: "hardhat" });
    // Serve one block into a session, so all relays fall in it. Not at the boundary block itself: there the
    // gateway may already see the new session while the supplier's polled head is a block behind, and the
    // supplier refuses `session_not_started` (seen on this 2 s chain; instant-mining anvil hides it).
    while ((await publicClient.getBlockNumber()) % L !== 1n)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const session = (await publicClient.getBlockNumber()) / L;
    const relays = 4;
    const answers = await Promise.all(
      Array.from({ length: relays }, async (_, index) => {
        const response = await fetch(`${gateway?.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({
            model: modelName,
            messages: [{ role: "user", content: `hello ${index}` }],
            max_tokens: 8,
          }),
        });
        return { status: response.status, body: (await response.json()) as { choices?: unknown[] } };
      }),
    );
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect((await publicClient.getBlockNumber()) / L).toBe(session);

    const balanceOf = (address: Address) =>
      publicClient.readContract({ ...tokenCall, functionName: "balanceOf", args: [address] });
    const before = await Promise.all([owner.address, source.address, treasury].map(balanceOf));
    const claimKey = computeClaimKey({
      supplier: owner.address,
      application: application.address,
      model: modelId,
      session,
    });
    const deadline = Date.now() + 120_000;
    let claim = await getClaim(publicClient, { settlement: contracts.settlement, claimKey: claimKey });
    while (!claim?.settled) {
      if (Date.now() > deadline)
        throw new Error(
          `claim of session ${session} not settled: ${JSON.stringify(claim, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
      claim = await getClaim(publicClient, { settlement: contracts.settlement, claimKey: claimKey });
    }
    expect(claim.root.count).toBe(BigInt(relays));
    expect(claim.proven).toBe(true);
    expect(claim.slashed).toBe(false);
    const after = await Promise.all([owner.address, source.address, treasury].map(balanceOf));
    // One claim, far below the budget: it is paid in full, split as the library splits it.
    const split = splitPayment({
      pay: claim.amount,
      sourceShareBps,
      protocolShareBps: Number(deployment.parameters.settlement.protocolShareBps),
    });
    expect([0, 1, 2].map((index) => (after[index] as bigint) - (before[index] as bigint))).toEqual([
      split.toSupplier,
      split.toSource,
      split.toTreasury,
    ]);
    const proofSeed = await publicClient.readContract({
      address: contracts.settlement,
      abi: aviarySettlementAbi,
      functionName: "proofSeed",
      args: [session],
    });
    expect(proofSeed).not.toMatch(/^0x0+$/);
  });
});
