// npm run bench:gateway — what Aviary's two hops cost, measured in one run against the same instant
// OpenAI-compatible stub backend, and set against the least a signed two-hop relay can cost ("the floor",
// floor/floorHop.ts) and against Portkey's OSS gateway. Every server runs in its own process; this process is
// the client (undici Pools on keep-alive connections). Paths:
//   stub direct         the stub itself: the baseline every "added" number is taken from
//   floor               floor hop 1 → floor hop 2 → stub: keccak256 + libsecp256k1 sign/recover both ways, nothing else
//   supplier alone      the supplier node with presigned relay headers → stub
//   gateway + supplier  the gateway and the supplier nodes, started by the CLI, on a devnet → stub
//   Portkey OSS         @portkey-ai/gateway (provider openai, custom host = the stub) → stub
// Then: RSS of the gateway and the supplier over BENCH_GATEWAY_MEMORY_REQUESTS requests, a short CPU-profiled
// run of both nodes (restarted with --cpu-prof, so profiling never touches the measured numbers), and the
// issue 12 goals. Timing is reported, never asserted: the bench fails only when something does not work.
// Environment (defaults sized for ~5 minutes on 2 cores): BENCH_GATEWAY_REQUESTS (2000, per c=64 run),
// BENCH_GATEWAY_LATENCY_REQUESTS (min(500, REQUESTS), per c=1 and TTFT run), BENCH_GATEWAY_ROUNDS (3),
// BENCH_GATEWAY_MEMORY_REQUESTS (100000), BENCH_GATEWAY_PROFILE_REQUESTS (3000), BENCH_GATEWAY_PORTKEY=0 to skip
// Portkey. See README.md beside this file.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import { aviaryRegistryAbi, RELAY_HEADER } from "@aviary/protocol";
import {
  actor,
  clients,
  type LoadResult,
  presignRelays,
  residentMemoryMiB,
  runLoad,
  setUpNetwork,
} from "@aviary/testkit";
import { type Address, type Hex, keccak256, toBytes } from "viem";
import { type Child, startChild, stopAllChildren, whenAChildDies } from "./children.ts";
import { topSelfTime } from "./cpuProfile.ts";
import { poolFor, probe, send, type Target } from "./httpTarget.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");
const cli = join(repoRoot, "packages", "cli", "bin", "aviary.js");
const portkeyEntry = join(repoRoot, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");

const numberFromEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return Math.floor(value);
};
/** Requests of each throughput run (concurrency 64), per path and round. */
const requests = numberFromEnv("BENCH_GATEWAY_REQUESTS", 2000);
/** Requests of each latency run (concurrency 1) and each TTFT run. */
const latencyRequests = numberFromEnv("BENCH_GATEWAY_LATENCY_REQUESTS", Math.min(requests, 500));
/** Rounds of the whole latency/throughput/TTFT set; each number printed is the median over rounds. */
const rounds = numberFromEnv("BENCH_GATEWAY_ROUNDS", 3);
const memoryRequests = numberFromEnv("BENCH_GATEWAY_MEMORY_REQUESTS", 100_000);
const profileRequests = numberFromEnv("BENCH_GATEWAY_PROFILE_REQUESTS", 3000);
const withPortkey = process.env.BENCH_GATEWAY_PORTKEY !== "0";
const concurrency = 64;
const warmUpRequests = 500;

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : "n/a");
const signedMs = (value: number) => (value >= 0 ? "+" : "") + ms(value);
const verdict = (met: boolean | undefined) => (met === undefined ? "n/a" : met ? "goal met" : "goal missed");
const machine = () =>
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" / ")} (1/5/15 min), ${cpus().length} CPUs`;
const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

let devnet: Devnet | undefined;
let cleaning: Promise<void> | undefined;
const cleanUp = () => {
  cleaning ??= (async () => {
    await stopAllChildren();
    await devnet?.stop();
  })();
  return cleaning;
};
whenAChildDies((child, code) => {
  console.error(`\n${child.name} (pid ${child.pid}) exited unexpectedly (${code}); its last output:`);
  console.error(child.output().slice(-4000));
  void cleanUp().finally(() => process.exit(1));
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

/** Starts a node under the CLI, saying which one failed and why when it does not come up. */
async function startNode(
  name: string,
  args: string[],
  pattern: RegExp,
  nodeFlags: string[] = [],
  exits = false,
): Promise<Child> {
  try {
    return await startChild(name, process.execPath, [...nodeFlags, cli, ...args], pattern, { exits });
  } catch (error) {
    throw new Error(
      `the ${name} failed to start (${args.slice(0, 2).join(" ")}): ${(error as Error).message}`,
    );
  }
}

type Measured = { latency: LoadResult; throughput: LoadResult; ttft?: LoadResult };

async function main(): Promise<void> {
  const benchStarted = performance.now();
  console.log("# bench:gateway");
  console.log(`node ${process.version}; at start: ${machine()}`);
  console.log(
    `each server in its own process, this process the client; ${rounds} round(s) of ${latencyRequests} requests at concurrency 1 and ${requests} at concurrency ${concurrency} per path (medians over rounds)`,
  );

  // --- the servers -------------------------------------------------------------------------------------
  const home = mkdtempSync(join(tmpdir(), "aviary-bench-gateway-"));
  const stub = await startChild(
    "stub backend",
    process.execPath,
    [
      "--conditions=aviary-source",
      "--import",
      "tsx",
      join(repoRoot, "packages", "supplier", "bench", "instantServerProcess.ts"),
    ],
    /listening (\S+)/,
  );
  const stubUrl = stub.match;
  const floorHop = join(here, "floor", "floorHop.ts");
  const hop2 = await startChild(
    "floor hop 2",
    process.execPath,
    ["--conditions=aviary-source", "--import", "tsx", floorHop, "supplier", stubUrl],
    /listening (\S+)/,
  );
  const hop1 = await startChild(
    "floor hop 1",
    process.execPath,
    ["--conditions=aviary-source", "--import", "tsx", floorHop, "gateway", hop2.match],
    /listening (\S+)/,
  );
  let portkey: Child | undefined;
  let portkeyUrl = "";
  if (withPortkey && existsSync(portkeyEntry)) {
    const port = await freePort();
    portkeyUrl = `http://127.0.0.1:${port}`;
    portkey = await startChild(
      "Portkey gateway",
      process.execPath,
      [portkeyEntry, `--port=${port}`, "--headless"],
      /(Ready) for connections/,
    ).catch((error: Error) => {
      console.log(`Portkey did not start, left out: ${error.message.slice(0, 400)}`);
      return undefined;
    });
  } else if (withPortkey) {
    console.log(`Portkey left out: ${portkeyEntry} is not installed`);
  }

  devnet = await startDevnet({ home, persist: false });
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
  // Fixed ports, so that the profiled restart serves where the chain (and the gateway) expect the supplier.
  const supplierPort = await freePort();
  const gatewayPort = await freePort();
  const supplierConfig = join(home, "supplier.json");
  writeFileSync(
    supplierConfig,
    JSON.stringify({
      chain,
      supplier: owner.address,
      operatorKey: operator.privateKey,
      server: { host: "127.0.0.1", port: supplierPort },
      dataDir: join(home, "supplier-data"),
      models: [
        {
          name: modelName,
          inputPrice: "1",
          outputPrice: "1",
          backend: { type: "openai", baseUrl: stubUrl, model: "instant" },
        },
      ],
      log: { level: "warn" },
    }),
  );
  const gatewayConfig = join(home, "gateway.json");
  writeFileSync(
    gatewayConfig,
    JSON.stringify({
      chain,
      gatewayKey: gatewayActor.privateKey,
      applications: [application.address],
      server: { host: "127.0.0.1", port: gatewayPort },
      store: join(home, "gateway.sqlite"),
      defaultMaxTokens: 8,
      log: { level: "warn" },
    }),
  );
  const startSupplierNode = (nodeFlags: string[] = []) =>
    startNode(
      "supplier",
      ["supplier", "start", "--config", supplierConfig],
      /ready: supplier .* at (http:\/\/[\d.:]+)/,
      nodeFlags,
    );
  const startGatewayNode = (nodeFlags: string[] = []) =>
    startNode(
      "gateway",
      ["gateway", "start", "--config", gatewayConfig],
      /ready: gateway at (http:\/\/[\d.:]+)/,
      nodeFlags,
    );
  let supplier = await startSupplierNode();
  const supplierUrl = supplier.match;
  await c.send(owner, {
    address: c.contracts.registry,
    abi: aviaryRegistryAbi,
    functionName: "setSupplierEndpoint",
    args: [supplierUrl],
  });
  const created = await startNode(
    "gateway key creation",
    ["gateway", "keys", "create", "bench", "--config", gatewayConfig, "--json"],
    /(\{.*\})/,
    [],
    true,
  );
  const apiKey = (JSON.parse(created.match) as { key: string }).key;
  await created.stop();
  let gateway = await startGatewayNode();
  const gatewayUrl = gateway.match;

  // --- the paths ---------------------------------------------------------------------------------------
  const chatBody = (model: string) => {
    const plain = JSON.stringify({
      model,
      messages: [{ role: "user", content: "Say something." }],
      max_tokens: 8,
    });
    const streamed = JSON.stringify({
      model,
      messages: [{ role: "user", content: "Say something." }],
      max_tokens: 8,
      stream: true,
    });
    return (stream: boolean) => (stream ? streamed : plain);
  };
  const domain = { chainId: devnet.chainId, verifyingContract: devnet.contracts.settlement as Address };
  let nonce = 0n;
  let presigned: string[] = [];
  const supplierBody = chatBody(modelName);
  const presign = (count: number, stream: boolean) => {
    const bodyHash = keccak256(toBytes(supplierBody(stream)));
    presigned = presignRelays({
      domain,
      application: { address: application.address, privateKey: application.privateKey as Hex },
      supplier: owner.address,
      modelId,
      session,
      bodyHash,
      count,
      firstNonce: nonce + 1n,
    });
    nonce += BigInt(count);
  };
  const stubTarget: Target = {
    name: "stub direct",
    pool: poolFor(stubUrl),
    path: "/v1/chat/completions",
    headers: () => ({}),
    body: chatBody("instant"),
  };
  const floorTarget: Target = {
    name: "floor (2 hops)",
    pool: poolFor(hop1.match),
    path: "/v1/chat/completions",
    headers: () => ({}),
    body: chatBody("instant"),
  };
  const supplierTarget: Target = {
    name: "supplier alone",
    pool: poolFor(supplierUrl),
    path: "/v1/relay/chat/completions",
    headers: (index) => ({ [RELAY_HEADER]: presigned[index] ?? "" }),
    body: supplierBody,
    prepare: presign,
  };
  const gatewayTarget: Target = {
    name: "gateway + supplier",
    pool: poolFor(gatewayUrl),
    path: "/v1/chat/completions",
    headers: () => ({ authorization: `Bearer ${apiKey}` }),
    body: chatBody(modelName),
  };
  // Portkey's OpenAI provider with a custom host: it calls `<custom host>/chat/completions` with our bearer.
  const portkeyTarget: Target | undefined = portkey && {
    name: "Portkey OSS",
    pool: poolFor(portkeyUrl),
    path: "/v1/chat/completions",
    headers: () => ({
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": stubUrl,
      authorization: "Bearer sk-bench-unused",
    }),
    body: chatBody("instant"),
  };
  const measure = (target: Target, count: number, workers: number, stream: boolean) => {
    target.prepare?.(count, stream);
    return runLoad(count, workers, (index) => send(target, index, stream));
  };

  // --- every path reaches the stub (the stub numbers its answers: instant-<n>) -----------------------------
  console.log("\n## Every path reaches the stub\n");
  const stubCount = async () => {
    const answer = await probe(stubTarget);
    const id = (answer.body as { id?: string }).id ?? "";
    const match = /^instant-(\d+)$/.exec(id);
    if (!match?.[1]) throw new Error(`the stub answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return Number(match[1]);
  };
  const expectedText = "alpha beta gamma delta epsilon zeta eta theta ";
  const streamedPaths = new Set<Target>();
  const candidates = [floorTarget, supplierTarget, gatewayTarget, ...(portkeyTarget ? [portkeyTarget] : [])];
  const targets: Target[] = [stubTarget];
  for (const target of candidates) {
    target.prepare?.(1, false);
    const answer = await probe(target);
    const content = (answer.body as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message
      ?.content;
    if (answer.status !== 200 || content !== expectedText) {
      const problem = `${target.name} does not answer with the stub's text: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 400)}`;
      if (target === portkeyTarget) {
        console.log(`${problem} — Portkey left out`);
        continue;
      }
      throw new Error(problem);
    }
    const before = await stubCount();
    const sent = 200;
    const result = await measure(target, sent, 16, false);
    const reached = (await stubCount()) - before - 1;
    const streamed = await measure(target, 1, 1, true);
    if (streamed.failures === 0) streamedPaths.add(target);
    console.log(
      `${target.name}: ${sent - result.failures}/${sent} answered, the stub counted ${reached} requests${reached >= sent - result.failures ? "" : " (fewer: NOT reaching the stub)"}; streamed: ${streamed.failures === 0 ? "works" : "FAILS"}`,
    );
    if (reached < sent - result.failures) throw new Error(`${target.name} answers without reaching the stub`);
    targets.push(target);
  }
  streamedPaths.add(stubTarget);
  if (portkey && portkeyTarget && !streamedPaths.has(portkeyTarget)) {
    const immutable = portkey.output().includes("TypeError: immutable");
    console.log(
      `Portkey streamed requests fail on this install${immutable ? ' ("TypeError: immutable" in its log: its Node build appends headers to a fetch Response, which @hono/node-server > 1.14.2 forbids; Portkey-AI/gateway#1389)' : ""}: its TTFT is left out`,
    );
  }

  // --- warm-up ------------------------------------------------------------------------------------------
  for (const target of targets) {
    await measure(target, warmUpRequests, concurrency, false);
    await measure(target, 100, 1, false);
    if (streamedPaths.has(target)) await measure(target, 100, 1, true);
  }

  // --- latency, throughput, TTFT: rounds, paths in a rotating order ------------------------------------
  const results = new Map<Target, { latency: LoadResult[]; throughput: LoadResult[]; ttft: LoadResult[] }>(
    targets.map((target) => [target, { latency: [], throughput: [], ttft: [] }]),
  );
  for (let round = 0; round < rounds; round += 1) {
    const order = targets.map((_, index) => targets[(index + round) % targets.length] as Target);
    for (const target of order)
      results.get(target)?.latency.push(await measure(target, latencyRequests, 1, false));
    for (const target of order) {
      results.get(target)?.throughput.push(await measure(target, requests, concurrency, false));
    }
    for (const target of order) {
      if (streamedPaths.has(target))
        results.get(target)?.ttft.push(await measure(target, latencyRequests, 1, true));
    }
  }
  const combine = (runs: LoadResult[]): LoadResult | undefined =>
    runs.length === 0
      ? undefined
      : {
          p50: median(runs.map((run) => run.p50)),
          p99: median(runs.map((run) => run.p99)),
          mean: median(runs.map((run) => run.mean)),
          perSecond: median(runs.map((run) => run.perSecond)),
          failures: runs.reduce((total, run) => total + run.failures, 0),
          seconds: runs.reduce((total, run) => total + run.seconds, 0),
        };
  const measured = new Map<Target, Measured>();
  for (const [target, runs] of results) {
    const latency = combine(runs.latency);
    const throughput = combine(runs.throughput);
    const ttft = combine(runs.ttft);
    if (latency && throughput) measured.set(target, { latency, throughput, ...(ttft ? { ttft } : {}) });
  }

  console.log(
    `\n## Latency (concurrency 1), throughput (concurrency ${concurrency}), streamed TTFT (concurrency 1)\n`,
  );
  console.log(
    "| path | p50 c=1 | p99 c=1 | added p50 | added p99 | requests/s c=64 | p50 c=64 | p99 c=64 | TTFT p50 | TTFT p99 | TTFT added p50 | failures |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  const base = measured.get(stubTarget) as Measured;
  for (const target of targets) {
    const row = measured.get(target);
    if (!row) continue;
    const failures = row.latency.failures + row.throughput.failures + (row.ttft?.failures ?? 0);
    const added = target === stubTarget ? "—" : signedMs(row.latency.p50 - base.latency.p50);
    const added99 = target === stubTarget ? "—" : signedMs(row.latency.p99 - base.latency.p99);
    const ttftAdded =
      target === stubTarget || !row.ttft || !base.ttft ? "—" : signedMs(row.ttft.p50 - base.ttft.p50);
    console.log(
      `| ${target.name} | ${ms(row.latency.p50)} | ${ms(row.latency.p99)} | ${added} | ${added99} | ${row.throughput.perSecond.toFixed(0)} | ${ms(row.throughput.p50)} | ${ms(row.throughput.p99)} | ${row.ttft ? ms(row.ttft.p50) : "n/a"} | ${row.ttft ? ms(row.ttft.p99) : "n/a"} | ${ttftAdded} | ${failures} |`,
    );
  }
  if (rounds > 1) {
    console.log(`\nrequests/s c=${concurrency} per round (spread shows the noise of shared cores):`);
    for (const target of targets) {
      const runs = results.get(target)?.throughput ?? [];
      console.log(`  ${target.name}: ${runs.map((run) => run.perSecond.toFixed(0)).join(", ")}`);
    }
  }

  // --- RSS over many requests --------------------------------------------------------------------------
  console.log(
    `\n## RSS of the gateway and the supplier over ${memoryRequests.toLocaleString("en-US")} requests through both (concurrency ${concurrency})\n`,
  );
  const rss = async () => ({
    gateway: await residentMemoryMiB(gateway.pid),
    supplier: await residentMemoryMiB(supplier.pid),
  });
  const memoryStart = await rss();
  // A point sample lands anywhere on V8's heap sawtooth, so each quarter is also sampled every 500 ms and the
  // verdict compares the quarters' medians.
  type Quarter = { sent: number; gateway: number; supplier: number; result: LoadResult };
  const checkpoints: Quarter[] = [];
  const quarterMedians: { gateway: number; supplier: number }[] = [];
  const slice = Math.max(1, Math.floor(memoryRequests / 4));
  let sentForMemory = 0;
  const memoryStarted = performance.now();
  for (let checkpoint = 0; checkpoint < 4; checkpoint += 1) {
    const batch = checkpoint === 3 ? memoryRequests - sentForMemory : slice;
    const samples: { gateway: number; supplier: number }[] = [];
    const sampler = setInterval(() => {
      void rss().then(
        (sample) => samples.push(sample),
        () => {},
      );
    }, 500);
    const result = await measure(gatewayTarget, batch, concurrency, false);
    clearInterval(sampler);
    sentForMemory += batch;
    const end = await rss();
    samples.push(end);
    checkpoints.push({ sent: sentForMemory, ...end, result });
    quarterMedians.push({
      gateway: median(samples.map((sample) => sample.gateway)),
      supplier: median(samples.map((sample) => sample.supplier)),
    });
  }
  const first = checkpoints[0] as Quarter;
  const firstMedian = quarterMedians[0] as { gateway: number; supplier: number };
  const percent = (value: number, from: number) => `${(((value - from) / from) * 100).toFixed(1)} %`;
  const change = (node: "gateway" | "supplier", value: number) => percent(value, first[node]);
  console.log(
    "| requests | gateway RSS | vs 1st | gateway median of the quarter | vs 1st | supplier RSS | vs 1st | supplier median of the quarter | vs 1st | requests/s | failures |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  console.log(
    `| start (after warm-up) | ${memoryStart.gateway.toFixed(0)} MiB | | | | ${memoryStart.supplier.toFixed(0)} MiB | | | | | |`,
  );
  checkpoints.forEach((point, index) => {
    const quarter = quarterMedians[index] as { gateway: number; supplier: number };
    console.log(
      `| ${point.sent.toLocaleString("en-US")} | ${point.gateway.toFixed(0)} MiB | ${change("gateway", point.gateway)} | ${quarter.gateway.toFixed(0)} MiB | ${percent(quarter.gateway, firstMedian.gateway)} | ${point.supplier.toFixed(0)} MiB | ${change("supplier", point.supplier)} | ${quarter.supplier.toFixed(0)} MiB | ${percent(quarter.supplier, firstMedian.supplier)} | ${point.result.perSecond.toFixed(0)} | ${point.result.failures} |`,
    );
  });
  console.log(`(${((performance.now() - memoryStarted) / 1000).toFixed(0)} s)`);
  const drift = (node: "gateway" | "supplier") =>
    Math.max(...checkpoints.map((point) => Math.abs((point[node] - first[node]) / first[node]) * 100));
  const medianDrift = (node: "gateway" | "supplier") =>
    Math.max(
      ...quarterMedians.map(
        (quarter) => Math.abs((quarter[node] - firstMedian[node]) / firstMedian[node]) * 100,
      ),
    );

  // --- CPU profiles: both nodes restarted with --cpu-prof, a short run, profiles read --------------------
  console.log(
    `\n## CPU profiles (${profileRequests.toLocaleString("en-US")} requests through both, concurrency ${concurrency})\n`,
  );
  const stoppedGateway = await gateway.stop();
  const stoppedSupplier = await supplier.stop();
  console.log(
    `the measured nodes stopped on SIGTERM: gateway exit ${stoppedGateway}, supplier exit ${stoppedSupplier}`,
  );
  const profileDir = (name: string) => {
    // BENCH_GATEWAY_PROFILE_DIR keeps the profiles after the run (the bench's home is removed with the devnet).
    const directory = join(process.env.BENCH_GATEWAY_PROFILE_DIR ?? join(home, "profiles"), name);
    mkdirSync(directory, { recursive: true });
    return directory;
  };
  const gatewayProfiles = profileDir("gateway");
  const supplierProfiles = profileDir("supplier");
  supplier = await startSupplierNode(["--cpu-prof", "--cpu-prof-dir", supplierProfiles]);
  gateway = await startGatewayNode(["--cpu-prof", "--cpu-prof-dir", gatewayProfiles]);
  const profiledTarget: Target = { ...gatewayTarget, pool: poolFor(gateway.match) };
  await measure(profiledTarget, warmUpRequests, concurrency, false);
  const windowStart = Number(process.hrtime.bigint() / 1000n);
  const profiled = await measure(profiledTarget, profileRequests, concurrency, false);
  const windowEnd = Number(process.hrtime.bigint() / 1000n);
  await profiledTarget.pool.close();
  const profiledExits = [await gateway.stop(), await supplier.stop()];
  console.log(
    `profiled run: ${profiled.perSecond.toFixed(0)} requests/s, ${profiled.failures} failures; exits on SIGTERM: gateway ${profiledExits[0]}, supplier ${profiledExits[1]}`,
  );
  for (const [name, directory] of [
    ["gateway", gatewayProfiles],
    ["supplier", supplierProfiles],
  ] as const) {
    // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile: thread 0 is the main thread (1 is tsx's loader).
    const file = readdirSync(directory)
      .filter((entry) => entry.endsWith(".cpuprofile"))
      .sort()
      .find((entry) => entry.split(".")[4] === "0");
    if (!file) {
      console.log(`\n${name}: no .cpuprofile was written in ${directory} (did the node exit cleanly?)`);
      continue;
    }
    const profile = topSelfTime(join(directory, file), {
      count: 5,
      window: [windowStart, windowEnd],
      root: repoRoot,
    });
    console.log(
      `\n${name} (${join(directory, file)}): ${profile.busyMs.toFixed(0)} ms busy, ${profile.idleMs.toFixed(0)} ms idle, GC ${profile.garbageMs.toFixed(0)} ms${profile.windowed ? " during the measured run" : " (whole profile: the run's window matched no samples)"}`,
    );
    console.log("| function | location | self ms | % of busy | mostly called from |");
    console.log("|---|---|---:|---:|---|");
    for (const entry of profile.top) {
      console.log(
        `| ${entry.name} | ${entry.location} | ${entry.selfMs.toFixed(0)} | ${entry.percent.toFixed(1)} % | ${entry.caller ?? ""} |`,
      );
    }
    console.log(
      `by file: ${profile.topFiles.map((entry) => `${entry.location} ${entry.percent.toFixed(1)} %`).join("; ")}`,
    );
  }

  // --- the goals ---------------------------------------------------------------------------------------
  console.log("\n## Issue 12 goals\n");
  const floor = measured.get(floorTarget);
  const both = measured.get(gatewayTarget);
  const portkeyMeasured = portkeyTarget ? measured.get(portkeyTarget) : undefined;
  if (!floor || !both) throw new Error("the floor or the gateway path was not measured");
  const floorRatio = both.throughput.perSecond / floor.throughput.perSecond;
  console.log(
    `throughput gateway+supplier / floor: ${floorRatio.toFixed(2)} (${both.throughput.perSecond.toFixed(0)} / ${floor.throughput.perSecond.toFixed(0)} requests/s; goal ≥ 0.8): ${verdict(floorRatio >= 0.8)}`,
  );
  if (portkeyMeasured) {
    const ratio = both.throughput.perSecond / portkeyMeasured.throughput.perSecond;
    console.log(
      `throughput gateway+supplier / Portkey: ${ratio.toFixed(2)} (${both.throughput.perSecond.toFixed(0)} / ${portkeyMeasured.throughput.perSecond.toFixed(0)} requests/s; goal > 1): ${verdict(ratio > 1)}`,
    );
  } else {
    console.log(`throughput gateway+supplier / Portkey: not measured: ${verdict(undefined)}`);
  }
  const added = (row: Measured, key: "p50" | "p99") => row.latency[key] - base.latency[key];
  for (const [key, goal] of [
    ["p50", 0.5],
    ["p99", 2],
  ] as const) {
    const difference = added(both, key) - added(floor, key);
    console.log(
      `added latency ${key} at c=1 vs the stub: floor ${signedMs(added(floor, key))}, gateway+supplier ${signedMs(added(both, key))}, difference ${signedMs(difference)} (goal ≤ ${goal} ms): ${verdict(difference <= goal)}`,
    );
  }
  if (both.ttft && floor.ttft && base.ttft) {
    const floorTtft = floor.ttft.p50 - base.ttft.p50;
    const bothTtft = both.ttft.p50 - base.ttft.p50;
    console.log(
      `streamed TTFT p50 added vs the stub: floor ${signedMs(floorTtft)}, gateway+supplier ${signedMs(bothTtft)}, difference ${signedMs(bothTtft - floorTtft)} (goal ≤ 0.5 ms): ${verdict(bothTtft - floorTtft <= 0.5)}`,
    );
  } else {
    console.log(`streamed TTFT: not measured on every path: ${verdict(undefined)}`);
  }
  for (const node of ["gateway", "supplier"] as const) {
    const last = checkpoints[checkpoints.length - 1] as (typeof checkpoints)[number];
    console.log(
      `${node} RSS over ${memoryRequests.toLocaleString("en-US")} requests: checkpoints ${first[node].toFixed(0)} → ${last[node].toFixed(0)} MiB (${change(node, last[node])} from the 1st, point samples at most ±${drift(node).toFixed(1)} % off it); quarter medians at most ±${medianDrift(node).toFixed(1)} % off the 1st quarter's (goal flat ±10 %): ${verdict(medianDrift(node) <= 10)}`,
    );
  }
  console.log(
    `\nat end: ${machine()}; the bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`,
  );
  for (const target of targets) await target.pool.close();
}

try {
  await main();
} catch (error) {
  console.error(`\nbench:gateway failed: ${(error as Error).stack ?? String(error)}`);
  await cleanUp();
  process.exit(1);
}
await cleanUp();
process.exit(0);
