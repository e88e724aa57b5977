// npm run bench:gateway — what each hop adds, measured in one run against an instant OpenAI-compatible
// backend: direct, through a supplier node, and through the gateway and the supplier (all signing, receipt
// verification, metering, recording and accounting included). Each server runs in its own process; this
// process is the client. 2 cores are shared by all of them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeRelayHeader, RELAY_HEADER, type RelayRequest, relayKey, signDigest } from "@aviary/protocol";
import { type Address, type Hex, hexToBytes, keccak256, toBytes } from "viem";
import { startDevnet, token } from "../../devnet/src/index.ts";
import { residentMemoryMiB, spawnAndWait } from "../../devnet/test/utils/processes.ts";
import { runLoad as run } from "../../devnet/test/utils/runLoad.ts";
import { actor, clients, setUpNetwork } from "../../devnet/test/utils/scenario.ts";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "..", "cli", "bin", "aviary.js");
const requestsPerRun = Number(process.env.BENCH_GATEWAY_REQUESTS ?? 2000);
const memoryRequests = Number(process.env.BENCH_GATEWAY_MEMORY_REQUESTS ?? 100_000);

const ms = (value: number) => `${value.toFixed(2)} ms`;

console.log("# bench:gateway");
console.log(
  `node ${process.version}; client, gateway, supplier and instant backend each in their own process (2 cores shared)`,
);

const home = mkdtempSync(join(tmpdir(), "aviary-bench-gateway-"));
const instant = await spawnAndWait(
  process.execPath,
  ["--import", "tsx", join(here, "..", "..", "supplier", "bench", "instantServerProcess.ts")],
  /listening (\S+)/,
);
const instantUrl = instant.match;
const devnet = await startDevnet({ home, persist: false });
const c = clients(devnet);
const owner = actor(devnet, "supplier-1");
const operator = actor(devnet, "spare-1");
const application = actor(devnet, "application");
const gatewayActor = actor(devnet, "gateway");
const modelName = "instant-model";
const { session, modelId } = await setUpNetwork(c, {
  source: actor(devnet, "model-source"),
  sourceShareBps: 1000,
  suppliers: [{ owner, operator, inputPrice: 1n, outputPrice: 1n }],
  gateway: gatewayActor,
  applications: [{ actor: application, stake: token(100_000), delegateTo: gatewayActor }],
  model: { name: modelName, weightsDigest: keccak256(toBytes("instant")) },
});
const chain = {
  rpcUrl: devnet.rpcUrl,
  chainId: devnet.chainId,
  registry: devnet.contracts.registry,
  settlement: devnet.contracts.settlement,
};
const supplierConfig = join(home, "supplier.json");
writeFileSync(
  supplierConfig,
  JSON.stringify({
    chain,
    supplier: owner.address,
    operatorKey: operator.privateKey,
    server: { host: "127.0.0.1", port: 0 },
    dataDir: join(home, "supplier-data"),
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
const supplier = await spawnAndWait(
  process.execPath,
  [cli, "supplier", "start", "--config", supplierConfig],
  /ready: supplier .* at (http:\/\/[\d.:]+)/,
);
const supplierUrl = supplier.match;
await c.send(owner, {
  address: c.contracts.registry,
  abi: (await import("@aviary/protocol")).aviaryRegistryAbi,
  functionName: "setSupplierEndpoint",
  args: [supplierUrl],
});
const gatewayConfig = join(home, "gateway.json");
writeFileSync(
  gatewayConfig,
  JSON.stringify({
    chain,
    gatewayKey: gatewayActor.privateKey,
    applications: [application.address],
    server: { host: "127.0.0.1", port: 0 },
    store: join(home, "gateway.sqlite"),
    defaultMaxTokens: 8,
    log: { level: "warn" },
  }),
);
const created = await spawnAndWait(
  process.execPath,
  [cli, "gateway", "keys", "create", "bench", "--config", gatewayConfig, "--json"],
  /(\{.*\})/,
);
const apiKey = (JSON.parse(created.match) as { key: string }).key;
const gateway = await spawnAndWait(
  process.execPath,
  [cli, "gateway", "start", "--config", gatewayConfig],
  /ready: gateway at (http:\/\/[\d.:]+)/,
);
const gatewayUrl = gateway.match;

const domain = { chainId: devnet.chainId, verifyingContract: devnet.contracts.settlement as Address };
const body = (model: string, stream = false) =>
  JSON.stringify({
    model,
    messages: [{ role: "user", content: "Say something." }],
    max_tokens: 8,
    ...(stream ? { stream: true } : {}),
  });
let nonce = 0n;
const presign = (count: number, bodyText: string) => {
  const bodyHash = keccak256(toBytes(bodyText));
  return Array.from({ length: count }, () => {
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
    return encodeRelayHeader({
      request,
      signature: signDigest(
        hexToBytes(relayKey({ domain, request })),
        hexToBytes(application.privateKey as Hex),
      ),
    });
  });
};

let reportedFailure = false;

/** Sends one request; for streams returns the time to the first data chunk. */
async function send(
  url: string,
  headers: Record<string, string>,
  bodyText: string,
  stream: boolean,
): Promise<number | false> {
  const start = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: bodyText,
  });
  if (!stream) {
    const bytes = await response.arrayBuffer();
    if (!response.ok && !reportedFailure) {
      reportedFailure = true;
      console.log(
        `first failure from ${url}: HTTP ${response.status} ${Buffer.from(bytes).toString().slice(0, 300)}`,
      );
    }
    return response.ok ? performance.now() - start : false;
  }
  const reader = response.body?.getReader();
  if (!reader) return false;
  const first = await reader.read();
  const firstAt = performance.now() - start;
  while (!(await reader.read()).done) {}
  return response.ok && !first.done ? firstAt : false;
}

const paths = {
  direct: (stream: boolean) => () =>
    send(`${instantUrl}/chat/completions`, {}, body("instant", stream), stream),
  supplier: (stream: boolean, count: number) => {
    const bodyText = body(modelName, stream);
    const headers = presign(count, bodyText);
    return (index: number) =>
      send(
        `${supplierUrl}/v1/relay/chat/completions`,
        { [RELAY_HEADER]: headers[index] ?? "" },
        bodyText,
        stream,
      );
  },
  gateway: (stream: boolean) => () =>
    send(
      `${gatewayUrl}/v1/chat/completions`,
      { authorization: `Bearer ${apiKey}` },
      body(modelName, stream),
      stream,
    ),
};

console.log("\n## Non-streamed chat: latency and throughput\n");
console.log("| concurrency | path | p50 | p99 | requests/s | failures |");
console.log("|---:|---|---:|---:|---:|---:|");
const summaries: string[] = [];
for (const concurrency of [1, 64]) {
  const count = concurrency === 1 ? Math.min(requestsPerRun, 1000) : requestsPerRun;
  await run(200, concurrency, paths.direct(false));
  await run(200, concurrency, paths.supplier(false, 200));
  await run(200, concurrency, paths.gateway(false));
  const direct = await run(count, concurrency, paths.direct(false));
  const throughSupplier = await run(count, concurrency, paths.supplier(false, count));
  const throughGateway = await run(count, concurrency, paths.gateway(false));
  for (const [name, result] of [
    ["direct", direct],
    ["supplier", throughSupplier],
    ["gateway + supplier", throughGateway],
  ] as const) {
    console.log(
      `| ${concurrency} | ${name} | ${ms(result.p50)} | ${ms(result.p99)} | ${result.perSecond.toFixed(0)} | ${result.failures} |`,
    );
  }
  summaries.push(
    `concurrency ${concurrency}: gateway adds p50 ${ms(throughGateway.p50 - throughSupplier.p50)} / p99 ${ms(throughGateway.p99 - throughSupplier.p99)} over the supplier; both hops add p50 ${ms(throughGateway.p50 - direct.p50)} / p99 ${ms(throughGateway.p99 - direct.p99)} over direct; requests/s ratio gateway/direct ${(throughGateway.perSecond / direct.perSecond).toFixed(2)}, supplier/direct ${(throughSupplier.perSecond / direct.perSecond).toFixed(2)}`,
  );
}
console.log("");
for (const line of summaries) console.log(line);

console.log("\n## Streams: time to first chunk (concurrency 1)\n");
const count = Math.min(requestsPerRun, 500);
const ttftDirect = await run(count, 1, paths.direct(true));
const ttftSupplier = await run(count, 1, paths.supplier(true, count));
const ttftGateway = await run(count, 1, paths.gateway(true));
console.log("| path | TTFT p50 | TTFT p99 |");
console.log("|---|---:|---:|");
console.log(`| direct | ${ms(ttftDirect.p50)} | ${ms(ttftDirect.p99)} |`);
console.log(`| supplier | ${ms(ttftSupplier.p50)} | ${ms(ttftSupplier.p99)} |`);
console.log(`| gateway + supplier | ${ms(ttftGateway.p50)} | ${ms(ttftGateway.p99)} |`);
console.log(
  `\nTTFT added: supplier ${ms(ttftSupplier.p50 - ttftDirect.p50)} p50; gateway over supplier ${ms(ttftGateway.p50 - ttftSupplier.p50)} p50`,
);

console.log(`\n## Gateway memory over ${memoryRequests.toLocaleString("en-US")} requests (concurrency 64)\n`);
const pid = gateway.child.pid ?? 0;
const before = await residentMemoryMiB(pid);
const checkpoints: string[] = [];
const slice = Math.max(1, Math.floor(memoryRequests / 4));
let sent = 0;
const memoryStarted = performance.now();
while (sent < memoryRequests) {
  const batch = Math.min(slice, memoryRequests - sent);
  const result = await run(batch, 64, paths.gateway(false));
  sent += batch;
  checkpoints.push(
    `${sent.toLocaleString("en-US")} requests: RSS ${(await residentMemoryMiB(pid)).toFixed(0)} MiB (${result.failures} failures, ${result.perSecond.toFixed(0)} requests/s)`,
  );
}
console.log(`before: RSS ${before.toFixed(0)} MiB`);
for (const line of checkpoints) console.log(line);
console.log(`(${((performance.now() - memoryStarted) / 1000).toFixed(0)} s)`);

gateway.child.kill("SIGTERM");
supplier.child.kill("SIGTERM");
instant.child.kill("SIGTERM");
await devnet.stop();
process.exit(0);
