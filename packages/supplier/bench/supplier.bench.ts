// npm run bench:supplier — what the supplier adds, measured against its baseline in the same run.
//
// 1. Protocol overhead: the same load sent to an instant OpenAI-compatible server directly, and through a
//    supplier node in front of it (relay verification, metering, recording, receipt signing): added latency
//    p50/p99 and relays/s at concurrency 1 and 64.
// 2. Runtime: tokens/s of the embedded backend through the supplier against node-llama-cpp called directly,
//    on the generated test model.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeRelayHeader, RELAY_HEADER, type RelayRequest, relayKey, signDigest } from "@aviary/protocol";
import pino from "pino";
import { type Address, type Hex, hexToBytes, keccak256, toBytes } from "viem";
import { startDevnet, token } from "../../devnet/src/index.ts";
import { spawnAndWait } from "../../devnet/test/utils/processes.ts";
import { runLoad as run } from "../../devnet/test/utils/runLoad.ts";
import { actor, clients, setUpNetwork } from "../../devnet/test/utils/scenario.ts";
import { parseSupplierConfig } from "../src/config/supplierConfig.ts";
import { startSupplier } from "../src/startSupplier.ts";
import { ensureTestModel, testModelName } from "../src/testModel/writeTestModelGguf.ts";

const here = dirname(fileURLToPath(import.meta.url));
const requestsPerRun = Number(process.env.BENCH_SUPPLIER_REQUESTS ?? 3000);
const generationTokens = Number(process.env.BENCH_SUPPLIER_TOKENS ?? 128);

const ms = (value: number) => `${value.toFixed(2)} ms`;

async function protocolOverhead(): Promise<void> {
  console.log("\n## 1. Protocol overhead (instant OpenAI-compatible backend, non-streamed chat)\n");
  const home = mkdtempSync(join(tmpdir(), "aviary-bench-supplier-"));
  // The backend and the supplier each run in their own process, like in production; this process is the client.
  const instant = await spawnAndWait(
    process.execPath,
    ["--import", "tsx", join(here, "instantServerProcess.ts")],
    /listening (\S+)/,
  );
  const instantUrl = instant.match;
  const devnet = await startDevnet({ home, persist: false });
  const c = clients(devnet);
  const owner = actor(devnet, "supplier-1");
  const operator = actor(devnet, "spare-1");
  const application = actor(devnet, "application");
  const modelName = "instant-model";
  const { session, modelId } = await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    suppliers: [{ owner, operator, inputPrice: 1n, outputPrice: 1n }],
    applications: [{ actor: application, stake: token(1000) }],
    model: { name: modelName, weightsDigest: keccak256(toBytes("instant")) },
  });
  const configPath = join(home, "supplier.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      chain: {
        rpcUrl: devnet.rpcUrl,
        chainId: devnet.chainId,
        registry: devnet.contracts.registry,
        settlement: devnet.contracts.settlement,
      },
      supplier: owner.address,
      operatorKey: operator.privateKey,
      server: { host: "127.0.0.1", port: 0 },
      dataDir: join(home, "data"),
      models: [
        {
          name: modelName,
          inputPrice: "1",
          outputPrice: "1",
          backend: { type: "openai", baseUrl: instantUrl, model: "instant" },
        },
      ],
      log: { level: "warn" },
    }),
  );
  const supplierProcess = await spawnAndWait(
    process.execPath,
    [join(here, "..", "..", "cli", "bin", "aviary.js"), "supplier", "start", "--config", configPath],
    /ready: supplier .* at (http:\/\/[\d.:]+)/,
  );
  const node = { url: supplierProcess.match };
  const domain = { chainId: devnet.chainId, verifyingContract: devnet.contracts.settlement as Address };
  const bodyText = JSON.stringify({
    model: modelName,
    messages: [{ role: "user", content: "Say something." }],
    max_tokens: 8,
  });
  const directBody = bodyText.replace(modelName, "instant");
  const bodyHash = keccak256(toBytes(bodyText));
  const applicationKey = hexToBytes(application.privateKey as Hex);

  // The application signs its relays before the clock starts: that is the app's work, not the supplier's.
  let nonce = 0n;
  const presign = (count: number) =>
    Array.from({ length: count }, () => {
      nonce += 1n;
      const request: RelayRequest = {
        application: application.address,
        supplier: owner.address,
        model: modelId,
        session,
        nonce,
        bodyHash,
        inputPrice: 1n,
        outputPrice: 1n,
        maxCost: 1000n,
      };
      const signature = signDigest(hexToBytes(relayKey({ domain, request })), applicationKey);
      return encodeRelayHeader({ request, signature });
    });

  const direct = (index: number) =>
    fetch(`${instantUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: directBody,
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.ok && index >= 0;
    });
  const through = (headers: string[]) => (index: number) =>
    fetch(`${node.url}/v1/relay/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", [RELAY_HEADER]: headers[index] ?? "" },
      body: bodyText,
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.ok;
    });

  console.log("| concurrency | path | p50 | p99 | relays/s | failures |");
  console.log("|---:|---|---:|---:|---:|---:|");
  const summary: string[] = [];
  for (const concurrency of [1, 64]) {
    const count = concurrency === 1 ? Math.min(requestsPerRun, 1000) : requestsPerRun;
    await run(200, concurrency, direct); // warm-up
    await run(200, concurrency, through(presign(200)));
    const baseline = await run(count, concurrency, direct);
    const supplier = await run(count, concurrency, through(presign(count)));
    console.log(
      `| ${concurrency} | direct | ${ms(baseline.p50)} | ${ms(baseline.p99)} | ${baseline.perSecond.toFixed(0)} | ${baseline.failures} |`,
    );
    console.log(
      `| ${concurrency} | through supplier | ${ms(supplier.p50)} | ${ms(supplier.p99)} | ${supplier.perSecond.toFixed(0)} | ${supplier.failures} |`,
    );
    summary.push(
      `concurrency ${concurrency}: added p50 ${ms(supplier.p50 - baseline.p50)}, added p99 ${ms(supplier.p99 - baseline.p99)}, throughput ratio (supplier/direct) ${(supplier.perSecond / baseline.perSecond).toFixed(2)}`,
    );
  }
  console.log("");
  for (const line of summary) console.log(line);
  supplierProcess.child.kill("SIGTERM");
  instant.child.kill("SIGTERM");
  await devnet.stop();
}

async function runtimeThroughput(): Promise<void> {
  console.log(
    `\n## 2. Runtime: tokens/s, embedded backend through the supplier vs node-llama-cpp directly (${generationTokens} tokens, greedy)\n`,
  );
  const home = mkdtempSync(join(tmpdir(), "aviary-bench-runtime-"));
  const model = await ensureTestModel({ directory: join(home, "models"), preset: "small" });

  // Baseline: node-llama-cpp called directly with the same settings the embedded backend uses.
  const { getLlama, LlamaCompletion } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false });
  const loaded = await llama.loadModel({ modelPath: model.path });
  const context = await loaded.createContext({ contextSize: 2048, threads: 1 });
  const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
  const directRates: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    let tokens = 0;
    const start = performance.now();
    await completion.generateCompletion("Once upon a time", {
      maxTokens: generationTokens,
      temperature: 0,
      onToken: (chunk) => {
        tokens += chunk.length;
      },
    });
    directRates.push(tokens / ((performance.now() - start) / 1000));
  }
  await context.dispose();
  await loaded.dispose();

  const devnet = await startDevnet({ home, persist: false });
  const c = clients(devnet);
  const owner = actor(devnet, "supplier-1");
  const operator = actor(devnet, "spare-1");
  const application = actor(devnet, "application");
  const { session, modelId } = await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    suppliers: [{ owner, operator, inputPrice: 1n, outputPrice: 1n }],
    applications: [{ actor: application, stake: token(1000) }],
    model: { name: testModelName, weightsDigest: model.sha256 },
  });
  const node = await startSupplier(
    parseSupplierConfig({
      chain: {
        rpcUrl: devnet.rpcUrl,
        chainId: devnet.chainId,
        registry: devnet.contracts.registry,
        settlement: devnet.contracts.settlement,
      },
      supplier: owner.address,
      operatorKey: operator.privateKey,
      server: { host: "127.0.0.1", port: 0 },
      dataDir: join(home, "data"),
      models: [
        {
          name: testModelName,
          inputPrice: "1",
          outputPrice: "1",
          backend: { type: "embedded", path: model.path, sequences: 1 },
        },
      ],
    }),
    { logger: pino({ level: "silent" }) },
  );
  const domain = { chainId: devnet.chainId, verifyingContract: devnet.contracts.settlement as Address };
  const throughRates: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    const bodyText = JSON.stringify({
      model: testModelName,
      prompt: "Once upon a time",
      max_tokens: generationTokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const request: RelayRequest = {
      application: application.address,
      supplier: owner.address,
      model: modelId,
      session,
      nonce: BigInt(round + 1),
      bodyHash: keccak256(toBytes(bodyText)),
      inputPrice: 1n,
      outputPrice: 1n,
      maxCost: 10n ** 12n,
    };
    const header = encodeRelayHeader({
      request,
      signature: signDigest(
        hexToBytes(relayKey({ domain, request })),
        hexToBytes(application.privateKey as Hex),
      ),
    });
    const start = performance.now();
    const response = await fetch(`${node.url}/v1/relay/completions`, {
      method: "POST",
      headers: { [RELAY_HEADER]: header, "content-type": "application/json" },
      body: bodyText,
    });
    const text = await response.text();
    const seconds = (performance.now() - start) / 1000;
    const usageLine = text.split("\n\n").find((line) => line.includes('"usage"'));
    const usage = usageLine ? JSON.parse(usageLine.replace(/^data: /, "")).usage : { completion_tokens: 0 };
    throughRates.push(usage.completion_tokens / seconds);
  }
  await node.stop();
  await devnet.stop();
  const best = (rates: number[]) => Math.max(...rates);
  console.log("| path | tokens/s (best of 3) | all runs |");
  console.log("|---|---:|---|");
  console.log(
    `| node-llama-cpp directly | ${best(directRates).toFixed(1)} | ${directRates.map((rate) => rate.toFixed(1)).join(", ")} |`,
  );
  console.log(
    `| through the supplier (stream) | ${best(throughRates).toFixed(1)} | ${throughRates.map((rate) => rate.toFixed(1)).join(", ")} |`,
  );
  console.log(`\nratio (supplier / direct): ${(best(throughRates) / best(directRates)).toFixed(3)}`);
}

console.log("# bench:supplier");
console.log("client, supplier node and instant backend each in their own process (2 cores shared)");
console.log(`node ${process.version}; ${requestsPerRun} requests per overhead run`);
await protocolOverhead();
await runtimeThroughput();
