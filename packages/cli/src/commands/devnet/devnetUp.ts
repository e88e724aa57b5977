import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordCurrentHome, resolveAviaryHome } from "@aviary/devnet";
import { type LocalNetwork, startLocalNetwork } from "@aviary/network";
import { aviaryCommand } from "../../io/aviaryCommand.ts";
import { devnetExplorer } from "../explorer/devnetExplorer.ts";
import type { DevnetUpOptions } from "./devnetUp.command.ts";

/**
 * `aviary devnet up` (`npm start`): the whole local network (chain, contracts, model, three suppliers, an
 * application, a gateway and the explorer, each node its own process), then what to paste to use it, then
 * "ready"; runs until Ctrl-C, SIGTERM or `aviary devnet down`, then stops every process it started within
 * 10 s (the state is kept for the next start). A node that dies is reported here and restarted.
 */
export async function devnetUp(options: DevnetUpOptions): Promise<void> {
  const started = Date.now();
  const log = (message: string) =>
    console.log(`[aviary +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  log("starting the local network");
  const home = resolveAviaryHome(options.home);
  mkdirSync(home, { recursive: true });
  // Written first, so that `aviary devnet down` stops a start still in progress too.
  const pidPath = join(home, "devnet.pid");
  writeFileSync(pidPath, `${process.pid}\n`);

  // Every way to stop ends here; whatever the nodes and the chain do, this process is gone 9 s later
  // (its exit hooks SIGKILL anvil and every node still running). A second Ctrl-C does that at once.
  const abort = new AbortController();
  let requestStop: (reason: string) => void = () => {};
  const stopRequested = new Promise<string>((resolve) => {
    requestStop = resolve;
  });
  const forceExit = (code: number) => {
    rmSync(pidPath, { force: true });
    process.exit(code);
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log(`${signal} again: killing every process now`);
      forceExit(130);
    }
    log(`${signal}: stopping the explorer, gateway, suppliers and chain (state is saved)`);
    abort.abort();
    requestStop(signal);
    setTimeout(() => {
      log("the stop took more than 9 s: killing what is left");
      forceExit(1);
    }, 9_000).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const supplierPort = options.supplierPort ?? 8081;
  let network: LocalNetwork;
  try {
    network = await startLocalNetwork({
      cli: aviaryCommand,
      home,
      blockTime: options.blockTime,
      fresh: options.fresh,
      persist: options.persist,
      modelPath: options.model,
      backend: options.backend
        ? {
            baseUrl: options.backend,
            model: options.backendModel ?? "default",
            ...(options.backendCapabilities ? { capabilities: options.backendCapabilities } : {}),
          }
        : undefined,
      explorer: options.explorer ? devnetExplorer : undefined,
      ports: {
        gateway: options.gatewayPort,
        explorer: options.explorerPort,
        suppliers: supplierPort === 0 ? [0, 0, 0] : [supplierPort, supplierPort + 1, supplierPort + 2],
      },
      signal: abort.signal,
      onProgress: log,
      onReport: log,
    });
  } catch (error) {
    rmSync(pidPath, { force: true });
    if (!abort.signal.aborted) throw error;
    log("stopped");
    exitSoon();
    return;
  }
  recordCurrentHome(network.home); // later commands run from here find this devnet without AVIARY_HOME
  printSummary(network, options);
  console.log(
    `ready: the Aviary local network is up (${network.deployed ? "new chain" : "resumed chain"}, ${(
      (Date.now() - started) / 1000
    ).toFixed(1)}s). Ctrl-C stops it; \`npm start\` again resumes it.`,
  );

  network.devnet.anvil.process.once("exit", (code) => {
    if (abort.signal.aborted) return;
    log(`anvil exited unexpectedly (code ${code}); stopping the rest`);
    process.exitCode = 1;
    abort.abort();
    requestStop("anvil");
    setTimeout(() => forceExit(1), 9_000).unref();
  });
  await stopRequested;
  await network.stop({ graceMs: 5_000 });
  rmSync(pidPath, { force: true });
  log("stopped");
  exitSoon();
}

/** Exits once the output is written, even if a library left a socket or timer behind. */
function exitSoon(): void {
  setTimeout(() => process.exit(), 200).unref();
}

function printSummary(network: LocalNetwork, options: DevnetUpOptions): void {
  const { gateway, model, imageModel } = network;
  const body = JSON.stringify({
    model: model.name,
    messages: [{ role: "user", content: "Hello" }],
    max_tokens: 32,
  });
  const script = [
    'import OpenAI from "openai";',
    `const openai = new OpenAI({ baseURL: "${gateway.url}/v1", apiKey: "${gateway.apiKey}" });`,
    `const completion = await openai.chat.completions.create({ model: "${model.name}", messages: [{ role: "user", content: "Hello" }], max_tokens: 32 });`,
    "console.log(completion.choices[0].message.content, completion.usage);",
  ].join("\n");
  const imageBody = JSON.stringify({
    model: imageModel.name,
    prompt: "a red fox",
    size: "256x256",
    response_format: "b64_json",
  });
  // The answer's first image, base64 in JSON, written as fox.png: node is there wherever `npm start` ran (jq
  // may not be).
  const writePng =
    'let json = ""; process.stdin.on("data", (chunk) => (json += chunk)).on("end", () => require("fs").writeFileSync("fox.png", Buffer.from(JSON.parse(json).data[0].b64_json, "base64")))';
  const imageScript = [
    'import OpenAI from "openai";',
    'import { writeFileSync } from "node:fs";',
    `const openai = new OpenAI({ baseURL: "${gateway.url}/v1", apiKey: "${gateway.apiKey}" });`,
    `const image = await openai.images.generate({ model: "${imageModel.name}", prompt: "a red fox", size: "256x256", response_format: "b64_json" });`,
    'writeFileSync("fox.png", Buffer.from(image.data[0].b64_json, "base64"));',
    'console.log("wrote fox.png", image.usage);',
  ].join("\n");
  const lines = [
    "",
    `  RPC URL       ${network.devnet.rpcUrl}  (chain id ${network.devnet.chainId}, ${options.blockTime}s blocks)`,
    `  contracts     token ${network.devnet.contracts.token}`,
    `                registry ${network.devnet.contracts.registry}`,
    `                settlement ${network.devnet.contracts.settlement}`,
    `  model         ${model.name}  sha256 ${model.weightsDigest}${model.verified ? "" : "  (external server: weights not verified)"}`,
    `  image model   ${imageModel.name}  sha256 ${imageModel.weightsDigest}  (priced per image·step)`,
    ...network.suppliers.map(
      (supplier, index) => `  supplier-${index + 1}    ${supplier.endpoint}  ${supplier.address}`,
    ),
    `  application   ${network.application.address} (delegated to the gateway ${gateway.address})`,
    `  gateway       ${gateway.url}/v1`,
    `  API key       ${gateway.apiKey}`,
    ...(network.explorerUrl ? [`  explorer      ${network.explorerUrl}`] : []),
    `  state         ${join(network.home, "devnet.json")}  (logs in ${join(network.home, "logs")})`,
    "",
    "Try it with curl:",
    "",
    `  curl ${gateway.url}/v1/chat/completions \\`,
    `    -H "Authorization: Bearer ${gateway.apiKey}" \\`,
    `    -H "Content-Type: application/json" \\`,
    `    -d '${body}'`,
    "",
    "or with the openai client (from this folder, where `openai` is installed):",
    "",
    `  node --input-type=module -e '${script.replaceAll("\n", "\n    ")}'`,
    "",
    ...(model.name.startsWith("aviary-test-model")
      ? [
          "(The test model has random weights: its text is meaningless, its tokens and settlements are real.)",
          "",
        ]
      : []),
    "An image (a 256x256 PNG written to fox.png; 20 steps unless the request says `steps`):",
    "",
    `  curl -s ${gateway.url}/v1/images/generations \\`,
    `    -H "Authorization: Bearer ${gateway.apiKey}" \\`,
    `    -H "Content-Type: application/json" \\`,
    `    -d '${imageBody}' \\`,
    `    | node -e '${writePng}'`,
    "",
    "  (with jq instead: … | jq -r '.data[0].b64_json' | base64 -d > fox.png)",
    "",
    "or with the openai client:",
    "",
    `  node --input-type=module -e '${imageScript.replaceAll("\n", "\n    ")}'`,
    "",
    "(The test image model has random weights: its pictures are abstract, its units and settlements are real.)",
    "",
  ];
  console.log(lines.join("\n"));
}
