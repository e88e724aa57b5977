import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type LocalNetwork, startLocalNetwork } from "@aviary/network";

export type DevnetUpOptions = {
  home?: string;
  blockTime: number;
  fresh: boolean;
  persist: boolean;
  /** A GGUF file to serve instead of the generated test model. */
  model?: string;
  /** An OpenAI-compatible base URL to serve instead of the embedded runtime. */
  backend?: string;
  /** The model name that server knows. */
  backendModel?: string;
  explorer: boolean;
  gatewayPort: number;
  explorerPort: number;
  /** The first of three consecutive supplier ports. @default 8081 */
  supplierPort?: number;
};

/**
 * `aviary devnet up` (`npm start`): the whole local network (chain, contracts, model, three suppliers, an
 * application, a gateway and the explorer), then what to paste to use it, then "ready"; runs until Ctrl-C,
 * then stops everything it started (the state is kept for the next start).
 */
export async function devnetUp(options: DevnetUpOptions): Promise<void> {
  const started = Date.now();
  const log = (message: string) =>
    console.log(`[aviary +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  log("starting the local network");
  const supplierPort = options.supplierPort ?? 8081;
  const network: LocalNetwork = await startLocalNetwork({
    home: options.home,
    blockTime: options.blockTime,
    fresh: options.fresh,
    persist: options.persist,
    modelPath: options.model,
    backend: options.backend
      ? { baseUrl: options.backend, model: options.backendModel ?? "default" }
      : undefined,
    explorer: options.explorer,
    ports: {
      gateway: options.gatewayPort,
      explorer: options.explorerPort,
      suppliers: supplierPort === 0 ? [0, 0, 0] : [supplierPort, supplierPort + 1, supplierPort + 2],
    },
    onProgress: log,
  });
  const pidPath = join(network.home, "devnet.pid");
  writeFileSync(pidPath, `${process.pid}\n`);
  printSummary(network, options);
  console.log(
    `ready: the Aviary local network is up (${network.deployed ? "new chain" : "resumed chain"}, ${(
      (Date.now() - started) / 1000
    ).toFixed(1)}s). Ctrl-C stops it; \`npm start\` again resumes it.`,
  );

  let stopping = false;
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      stopping = true;
      log(`${signal}: stopping the explorer, gateway, suppliers and chain (state is saved)`);
      resolve();
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    network.devnet.anvil.process.once("exit", (code) => {
      if (stopping) return;
      log(`anvil exited unexpectedly (code ${code}); stopping the rest`);
      process.exitCode = 1;
      resolve();
    });
  });
  await network.stop();
  rmSync(pidPath, { force: true });
  log("stopped");
}

function printSummary(network: LocalNetwork, options: DevnetUpOptions): void {
  const { gateway, model } = network;
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
  const lines = [
    "",
    `  RPC URL       ${network.devnet.rpcUrl}  (chain id ${network.devnet.chainId}, ${options.blockTime}s blocks)`,
    `  contracts     token ${network.devnet.contracts.token}`,
    `                registry ${network.devnet.contracts.registry}`,
    `                settlement ${network.devnet.contracts.settlement}`,
    `  model         ${model.name}  sha256 ${model.weightsDigest}${model.verified ? "" : "  (external server: weights not verified)"}`,
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
  ];
  console.log(lines.join("\n"));
}
