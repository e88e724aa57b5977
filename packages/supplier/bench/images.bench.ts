// npm run bench:images — images/s and latency of the embedded image runtime, called directly and through a
// supplier node, on the generated test image model (256x256, 20 steps, n=1, concurrency 1 unless set below).
//
// (a) `loadImagePipeline(...).render` called directly, in this process;
// (b) the same render through a supplier node in this process (relay checks, metering, receipt signing, relay
//     log), with relays the application presigned before the clock starts.
// (c) through a gateway in front of a supplier node (`throughGateway` below).
// The paths run in interleaved rounds (the order rotates) so that noise on shared cores hits them alike; the
// served PNGs are compared with the direct ones. Timing is printed, never asserted.
// Environment: BENCH_IMAGES_ROUNDS (20), BENCH_IMAGES_SIZE (256x256: one of the test model's sizes),
// BENCH_IMAGES_STEPS (20), BENCH_IMAGES_THREADS (1, the runtime's intra-op threads).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startDevnet, token } from "@aviary/devnet";
import { loadImagePipeline } from "@aviary/image-runtime";
import { RELAY_HEADER } from "@aviary/protocol";
import { ensureTestImageModel, testImageModelName } from "@aviary/test-models";
import { actor, clients, devnetChainConfig, presignRelays, setUpNetwork } from "@aviary/testkit";
import { startNetworkGateway, startTestNetwork } from "@aviary/testkit/network";
import pino from "pino";
import { type Address, type Hex, keccak256, toBytes } from "viem";
import { EmbeddedImageBackend } from "../src/backends/image/EmbeddedImageBackend.ts";
import { parseSupplierConfig } from "../src/config/supplierConfig.ts";
import { startSupplier } from "../src/startSupplier.ts";

const rounds = Number(process.env.BENCH_IMAGES_ROUNDS ?? 20);
const threads = Number(process.env.BENCH_IMAGES_THREADS ?? 1);
const [width, height] = (process.env.BENCH_IMAGES_SIZE ?? "256x256").split("x").map(Number);
if (!width || !height) throw new Error('BENCH_IMAGES_SIZE must be "WxH", e.g. 512x512');
const size = { width, height };
const steps = Number(process.env.BENCH_IMAGES_STEPS ?? 20);
/** Images/s through the supplier over the runtime directly that issue 14 asks for. */
const goal = 0.95;

type Path = { name: string; run: () => Promise<string>; latencies: number[] };

const percentile = (values: number[], fraction: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
};
const imagesPerSecond = (latencies: number[]) =>
  latencies.length / (latencies.reduce((sum, value) => sum + value, 0) / 1000);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" / ");

/**
 * (c) Through a gateway: API key, admission, routing, the relay the gateway signs, receipt verification and
 * accounting, in front of one supplier node of a second local network (the gateway tests' network, which
 * registers the test image model as kind image). Same body, so the same PNG.
 */
async function throughGateway(body: Record<string, unknown>): Promise<Path & { stop: () => Promise<void> }> {
  const network = await startTestNetwork({ suppliers: 1, images: {} });
  const gateway = await startNetworkGateway(network);
  const { key } = await gateway.store.createKey({ name: "bench" });
  const text = JSON.stringify(body);
  return {
    name: "through a gateway and a supplier (API key, gateway-signed relay)",
    latencies: [],
    run: async () => {
      const response = await fetch(`${gateway.url}/v1/images/generations`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: text,
      });
      const answer = await response.text();
      if (!response.ok) throw new Error(`gateway answered ${response.status}: ${answer}`);
      return (JSON.parse(answer) as { data: Array<{ b64_json: string }> }).data[0]?.b64_json ?? "";
    },
    stop: async () => {
      await gateway.stop();
      await network.stop();
    },
  };
}

console.log("# bench:images");
console.log(
  `node ${process.version}; ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}); load average (1/5/15 min) at start: ${load()}`,
);
console.log(
  `${size.width}x${size.height}, ${steps} steps, n=1, concurrency 1, runtime threads ${threads}, ${rounds} interleaved rounds\n`,
);

const home = mkdtempSync(join(tmpdir(), "aviary-bench-images-"));
const model = await ensureTestImageModel({ directory: join(home, "models") });
const devnet = await startDevnet({ home, persist: false });
const c = clients(devnet);
const owner = actor(devnet, "supplier-1");
const operator = actor(devnet, "spare-1");
const application = actor(devnet, "application");
// Prices 1 / 1: what `presignRelays` signs (an image offer's input price is 0 in production; no input is billed).
const { session, modelId } = await setUpNetwork(c, {
  source: actor(devnet, "model-source"),
  sourceShareBps: 1000,
  suppliers: [{ owner, operator, inputPrice: 1n, outputPrice: 1n }],
  applications: [{ actor: application, stake: token(1000) }],
  model: { name: testImageModelName, weightsDigest: model.sha256 },
});
// The node runs in this process, as the baseline does (see bench:supplier's runtime part for why).
const node = await startSupplier(
  parseSupplierConfig({
    chain: devnetChainConfig(devnet),
    supplier: owner.address,
    operatorKey: operator.privateKey,
    server: { host: "127.0.0.1", port: 0 },
    dataDir: join(home, "data"),
    models: [
      {
        name: testImageModelName,
        inputPrice: "1",
        outputPrice: "1",
        backend: { type: "embedded-image", path: model.path, threads },
      },
    ],
  }),
  { logger: pino({ level: "silent" }) },
);
const domain = { chainId: devnet.chainId, verifyingContract: devnet.contracts.settlement as Address };
const prompt = "a heron standing in a misty lake at dawn";
const seed = 1234;
const body = {
  model: testImageModelName,
  prompt,
  n: 1,
  size: `${size.width}x${size.height}`,
  steps,
  seed,
  response_format: "b64_json",
};
const bodyText = JSON.stringify(body);
// The application signs before the clock starts: that is the app's work, not the supplier's.
const headers = presignRelays({
  domain,
  application: { address: application.address, privateKey: application.privateKey as Hex },
  supplier: owner.address,
  modelId,
  session,
  bodyHash: keccak256(toBytes(bodyText)),
  count: rounds + 1,
  firstNonce: 1n,
  maxCost: BigInt(steps) * 10n,
});
let next = 0;

const pipeline = await loadImagePipeline(model.path, { threads });
const directly: Path = {
  name: "runtime directly (loadImagePipeline().render)",
  latencies: [],
  run: async () => {
    const { images } = await pipeline.render({ prompt, n: 1, ...size, steps, seed });
    return Buffer.from(images[0] as Uint8Array).toString("base64");
  },
};
const throughSupplier: Path = {
  name: "through a supplier node (signed relay)",
  latencies: [],
  run: async () => {
    const header = headers[next++] as string;
    const response = await fetch(`${node.url}/v1/relay/images/generations`, {
      method: "POST",
      headers: { [RELAY_HEADER]: header, "content-type": "application/json" },
      body: bodyText,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`supplier answered ${response.status}: ${text}`);
    return (JSON.parse(text) as { data: Array<{ b64_json: string }> }).data[0]?.b64_json ?? "";
  },
};
// Where the rest goes: the backend alone (base64 and the response JSON, no HTTP, relay checks or receipt).
const backend = new EmbeddedImageBackend({ path: model.path, threads });
await backend.start();
const backendAlone: Path = {
  name: "embedded image backend alone, complete() (no HTTP)",
  latencies: [],
  run: async () => {
    const { body: answer } = await backend.complete({
      route: "images/generations",
      body,
      signal: new AbortController().signal,
    });
    return (answer.data as Array<{ b64_json: string }>)[0]?.b64_json ?? "";
  },
};
const gateway = await throughGateway(body);
const paths = [directly, throughSupplier, gateway, backendAlone];

const images = new Set<string>();
for (const path of paths) images.add(await path.run()); // warm-up
for (let round = 0; round < rounds; round += 1) {
  for (let step = 0; step < paths.length; step += 1) {
    const path = paths[(round + step) % paths.length] as Path;
    const start = performance.now();
    images.add(await path.run());
    path.latencies.push(performance.now() - start);
  }
}

console.log("| path | images/s | p50 | p99 |");
console.log("|---|---:|---:|---:|");
for (const path of paths) {
  console.log(
    `| ${path.name} | ${imagesPerSecond(path.latencies).toFixed(2)} | ${percentile(path.latencies, 0.5).toFixed(1)} ms | ${percentile(path.latencies, 0.99).toFixed(1)} ms |`,
  );
}
const ratio = imagesPerSecond(throughSupplier.latencies) / imagesPerSecond(directly.latencies);
console.log(
  `\nsame PNG on every path and run: ${images.size === 1 ? "yes" : `no (${images.size} different)`}`,
);
console.log(
  `supplier / direct images/s: ${ratio.toFixed(3)} — ${ratio >= goal ? "goal met" : "goal missed"} (goal ≥ ${goal})`,
);
console.log(
  `supplier / direct at the median (p50 direct / p50 supplier): ${(percentile(directly.latencies, 0.5) / percentile(throughSupplier.latencies, 0.5)).toFixed(3)}; added p50 ${(percentile(throughSupplier.latencies, 0.5) - percentile(directly.latencies, 0.5)).toFixed(1)} ms`,
);
const viaGateway = imagesPerSecond(gateway.latencies) / imagesPerSecond(directly.latencies);
console.log(`gateway + supplier / direct images/s: ${viaGateway.toFixed(3)} (no goal; for comparison)`);
console.log(`load average (1/5/15 min) at end: ${load()}`);

await gateway.stop();
await node.stop();
await pipeline.close();
await backend.close();
await devnet.stop();
rmSync(home, { recursive: true, force: true });
