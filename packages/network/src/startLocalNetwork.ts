import { mkdirSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { type Devnet, devnetChain, startDevnet, token, writeDevnetState } from "@aviary/devnet";
import { createGatewayStore } from "@aviary/gateway";
import { getRegistryParams } from "@aviary/sdk";
import { type Address, createPublicClient, createTestClient, type Hex, http, keccak256, toHex } from "viem";
import { ensureOnChainSetup, type Signer } from "./ensureOnChainSetup.ts";
import { LocalNetworkStartError } from "./errors.ts";
import { writeNetworkProcesses } from "./networkProcesses.ts";
import { type NetworkImageModel, resolveNetworkImageModel } from "./resolveNetworkImageModel.ts";
import {
  type NetworkModel,
  type ResolveNetworkModelParameters,
  resolveNetworkModel,
} from "./resolveNetworkModel.ts";
import { type SupervisedProcess, superviseProcess } from "./superviseProcess.ts";
import { waitUntilServing } from "./waitUntilServing.ts";

export type StartLocalNetworkParameters = {
  /** State folder. @default $AVIARY_HOME or ./.aviary */
  home?: string;
  /** Seconds per block once the network is up. @default 1 */
  blockTime?: number;
  /** Keep the chain, relay logs and gateway database across restarts. @default true */
  persist?: boolean;
  /** Discard the saved chain and deploy anew. @default false */
  fresh?: boolean;
  /** A GGUF file to serve instead of the generated test model. */
  modelPath?: string;
  /** An OpenAI-compatible server to serve instead of the embedded runtime, and what it supports beyond text. */
  backend?: ResolveNetworkModelParameters["backend"];
  /**
   * The explorer, run as one more supervised node with the arguments it gives (`devnet up` passes the CLI's
   * `aviary explorer start --config …`). @default none: no explorer
   */
  explorer?: LocalNetworkExplorer;
  /** Let the gateway audit the suppliers against the local weights (embedded text runtime) and the image model. @default true */
  audits?: boolean;
  /** 0 picks free ports (tests). @default 8080 (gateway), 8081–8083 (suppliers), 8090 (explorer) */
  ports?: { gateway?: number; suppliers?: [number, number, number]; explorer?: number };
  /** The nodes' log level (their logs are files under `<home>/logs`). @default "info" */
  logLevel?: "info" | "debug" | "warn" | "silent";
  /**
   * How each node is run: `<command> <args…> <the node's args…>`, the node's args being what `aviary` takes
   * (`supplier start --config …`). The caller passes its CLI (`devnet up` passes itself).
   */
  cli: { command: string; args: string[]; cwd?: string };
  /** Aborting stops what was started and rejects (Ctrl-C while starting). */
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Lines about the nodes once they run: one died, is restarting, came back. @default onProgress */
  onReport?: (message: string) => void;
};

/** Where the explorer finds the chain and the gateway, and where it serves: what `LocalNetworkExplorer` is given. */
export type LocalNetworkExplorerParameters = {
  /** The network's state folder (a configuration file may be written here). */
  home: string;
  rpcUrl: string;
  chainId: number;
  contracts: { token: Address; registry: Address; settlement: Address };
  /** The deployment's block (decimal string): logs are read from here. */
  deployBlock: string;
  /** The gateways' server roots, for their public APIs. */
  gateways: string[];
  host: string;
  port: number;
  logLevel: NonNullable<StartLocalNetworkParameters["logLevel"]>;
};

/**
 * How the network starts the explorer without depending on it: the caller (the CLI, which knows the
 * explorer) turns the network's facts into the CLI arguments that serve it, and the network supervises that
 * process like the other nodes (`<home>/logs/explorer.log`, restarts, `processes.json`).
 *
 * @example
 * const explorer: LocalNetworkExplorer = {
 *   args: (parameters) => ["explorer", "start", "--config", writeExplorerConfig(parameters)],
 * };
 */
export type LocalNetworkExplorer = {
  /** The arguments after the CLI's command (`aviary <args…>`) that serve the explorer on `parameters.port`. */
  args: (parameters: LocalNetworkExplorerParameters) => string[];
};

export type LocalNetwork = {
  home: string;
  devnet: Devnet;
  model: NetworkModel & { id: Hex };
  /** The generated test image model (kind `image`), served by every supplier beside `model`. */
  imageModel: NetworkImageModel & { id: Hex };
  suppliers: { name: string; address: Address; endpoint: string; process: SupervisedProcess }[];
  /** `url` is the server root; `baseUrl` the OpenAI base URL (`…/v1`). */
  gateway: { url: string; baseUrl: string; apiKey: string; address: Address; process: SupervisedProcess };
  application: Signer;
  explorerUrl: string | undefined;
  /** Every supervised process, anvil first. */
  processes: SupervisedProcess[];
  /** True when the contracts were deployed by this start (false: the saved chain was resumed). */
  deployed: boolean;
  /**
   * Stops the explorer, gateway and suppliers (SIGTERM, SIGKILL after `graceMs`), then anvil (its state is
   * saved when persisted). Idempotent.
   */
  stop: (options?: { graceMs?: number }) => Promise<void>;
};

/** Three suppliers at different prices (token wei per input / output token), so routing has a choice. */
export const localSupplierPrices = [
  { inputPrice: 1_000_000_000n, outputPrice: 3_000_000_000n },
  { inputPrice: 2_000_000_000n, outputPrice: 4_000_000_000n },
  { inputPrice: 4_000_000_000n, outputPrice: 8_000_000_000n },
] as const;

/**
 * The same three suppliers' offers for the image model: token wei per image·step (an image of `steps`
 * denoising steps costs steps × outputPrice), nothing per input.
 */
export const localSupplierImagePrices = [
  { inputPrice: 0n, outputPrice: 1_000_000_000_000n },
  { inputPrice: 0n, outputPrice: 2_000_000_000_000n },
  { inputPrice: 0n, outputPrice: 4_000_000_000_000n },
] as const;

/**
 * Starts the whole local network: anvil with the contracts (or the saved chain), the model and the
 * generated test image model registered for the model source, three staked suppliers serving both, an
 * application delegated to a gateway, the gateway with an API key, and the explorer when the caller passes
 * `explorer`. The on-chain setup is done here; each node then runs as its own process of the caller's `cli`
 * (`aviary supplier start --config <home>/supplier-N.json`, `aviary gateway start …`, and what `explorer`
 * gives), logging to `<home>/logs/<name>.log` and restarted with backoff when it dies; their pids, states
 * and restarts are kept in `<home>/processes.json`. Resolves once every node is ready (each supplier
 * answers, the gateway lists the models and answers a real chat and a real image request, the explorer has
 * indexed the chain), after writing `devnet.json`. Nothing here depends on the CLI or the explorer: the
 * caller says how to run them.
 *
 * @example
 * const network = await startLocalNetwork({
 *   cli: { command: "npx", args: ["aviary"] },
 *   explorer: { args: ({ home }) => ["explorer", "start", "--config", `${home}/explorer.json`] },
 *   onProgress: console.log,
 * });
 * console.log(network.gateway.baseUrl, network.gateway.apiKey, network.explorerUrl);
 * await network.stop();
 */
export async function startLocalNetwork(parameters: StartLocalNetworkParameters): Promise<LocalNetwork> {
  const progress = parameters.onProgress ?? (() => {});
  const report = parameters.onReport ?? progress;
  const blockTime = parameters.blockTime ?? 1;
  const cli = parameters.cli;
  // Ctrl-C while starting, or the chain gone: what was started is stopped and the start rejects.
  const chainGone = new AbortController();
  const signal = parameters.signal
    ? AbortSignal.any([parameters.signal, chainGone.signal])
    : chainGone.signal;
  const aborted = () => {
    if (chainGone.signal.aborted)
      throw new LocalNetworkStartError({ part: "anvil", reason: "exited while the network was starting" });
    if (signal.aborted) throw new LocalNetworkStartError({ part: "the start", reason: "was interrupted" });
  };

  // The chain first, on automine: setup transactions land at once; blocks start ticking at the end.
  aborted();
  const devnet = await startDevnet({
    home: parameters.home,
    persist: parameters.persist ?? true,
    fresh: parameters.fresh ?? false,
    onProgress: progress,
  });
  const home = devnet.home;
  const processes: SupervisedProcess[] = [];
  const startedAt = new Date().toISOString();
  let ready = false;
  let stopping: Promise<void> | undefined;
  const anvilStatus: SupervisedProcess["status"] = {
    name: "anvil",
    pid: devnet.anvil.process.pid,
    state: "up",
    restarts: 0,
    port: devnet.anvil.port,
    log: "",
    lastError: undefined,
    startedAt,
  };
  const anvil: SupervisedProcess = {
    status: anvilStatus,
    stop: async () => devnet.stop(),
    kill: () => devnet.anvil.process.kill("SIGKILL"),
  };
  processes.push(anvil);
  const saveStatus = () => {
    try {
      writeNetworkProcesses(home, {
        supervisor: { pid: process.pid, startedAt, ready, stopping: stopping !== undefined },
        processes: processes.map(({ status }) => ({
          ...status,
          pid: status.pid,
          log: status.log || undefined,
        })),
        updatedAt: new Date().toISOString(),
      });
    } catch {
      // The status file is for `devnet status`; failing to write it must not stop the network.
    }
  };
  devnet.anvil.process.once("exit", (code, exitSignal) => {
    anvilStatus.pid = undefined;
    anvilStatus.state = stopping ? "stopped" : "down";
    if (!stopping) {
      anvilStatus.lastError = exitSignal ? `killed by ${exitSignal}` : `exited with code ${code}`;
      chainGone.abort();
    }
    saveStatus();
  });
  saveStatus();

  const stop = (options: { graceMs?: number } = {}) => {
    stopping ??= (async () => {
      saveStatus();
      const nodes = processes.filter((part) => part !== anvil);
      await Promise.all(nodes.map((part) => part.stop(options.graceMs ?? 5_000)));
      await anvil.stop().catch(() => {});
      saveStatus();
    })();
    return stopping;
  };

  try {
    const logDirectory = join(home, "logs");
    mkdirSync(logDirectory, { recursive: true });
    const role = (name: string): Signer => {
      const account = devnet.accounts.find((candidate) => candidate.role === name);
      if (!account)
        throw new LocalNetworkStartError({ part: "the devnet", reason: `has no ${name} account` });
      return { address: account.address as Address, privateKey: account.privateKey as Hex };
    };
    const chain = devnetChain(devnet.rpcUrl, devnet.chainId);
    const publicClient = createPublicClient({ chain, transport: http(devnet.rpcUrl), cacheTime: 0 });
    const testClient = createTestClient({ chain, mode: "anvil", transport: http(devnet.rpcUrl) });
    const contracts = devnet.contracts as { token: Address; registry: Address; settlement: Address };

    const model = await resolveNetworkModel({
      modelsDirectory: join(home, "models"),
      modelPath: parameters.modelPath,
      backend: parameters.backend,
      onProgress: progress,
    });
    const imageModel = await resolveNetworkImageModel({
      modelsDirectory: join(home, "models"),
      onProgress: progress,
    });
    aborted();
    // Every port is known before any node starts (0 picks a free one now), so the whole on-chain setup,
    // endpoints included, is done before the nodes run.
    const gatewayPort = await reservePort(parameters.ports?.gateway ?? 8080, "the gateway", "--gateway-port");
    const supplierPorts: number[] = [];
    for (const index of [0, 1, 2])
      supplierPorts.push(
        await reservePort(
          parameters.ports?.suppliers?.[index] ?? 8081 + index,
          `supplier-${index + 1}`,
          "--supplier-port (the first of three ports)",
        ),
      );
    const explorer = parameters.explorer;
    const explorerPort = explorer
      ? await reservePort(parameters.ports?.explorer ?? 8090, "the explorer", "--explorer-port")
      : 0;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const endpoints = supplierPorts.map((port) => `http://127.0.0.1:${port}`);

    const source = role("model-source");
    const gatewaySigner = role("gateway");
    const application = role("application");
    const owners = [role("supplier-1"), role("supplier-2"), role("supplier-3")];
    const { modelId, imageModelId, changed } = await ensureOnChainSetup({
      publicClient,
      chain,
      rpcUrl: devnet.rpcUrl,
      registry: contracts.registry,
      token: contracts.token,
      model,
      imageModel,
      source,
      sourceShareBps: 1000,
      suppliers: owners.map((owner, index) => ({
        owner,
        endpoint: endpoints[index] as string,
        // Each claim locks max(missingProofPenalty, amount) until it settles, about a session later: with
        // one application and two models, two sessions' claims for each model at the devnet's 1000 AVY
        // penalty (the local prices keep every claim's amount far below it) fit in even the smallest stake,
        // 4000 AVY.
        stake: token(4000 * (index + 1)),
        ...(localSupplierPrices[index] as (typeof localSupplierPrices)[number]),
        imagePrice: localSupplierImagePrices[index] as (typeof localSupplierImagePrices)[number],
      })),
      gateway: {
        signer: gatewaySigner,
        stake: token(100),
        metadataUrl: `${gatewayUrl}/public/v1/suppliers`,
      },
      application: { signer: application, stake: token(10_000) },
      onProgress: progress,
    });
    aborted();
    if (changed) {
      // Offers, stakes and delegations apply from the next session: move there now rather than wait.
      const params = await getRegistryParams(publicClient, { registry: contracts.registry });
      const head = await publicClient.getBlockNumber();
      const next = (head / params.sessionBlocks + 1n) * params.sessionBlocks;
      await testClient.mine({ blocks: Number(next - head) });
      progress(`mined to block ${next}: the offers and the delegation are in effect`);
    }

    const chainConfig = {
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      registry: contracts.registry,
      settlement: contracts.settlement,
    };
    const logLevel = parameters.logLevel ?? "info";
    const writeConfig = (name: string, value: unknown) => {
      const path = join(home, `${name}.json`);
      writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
      return path;
    };
    const supervise = (name: string, args: string[], port: number) => {
      const part = superviseProcess({
        name,
        command: cli.command,
        args: [...cli.args, ...args],
        cwd: cli.cwd,
        logPath: join(logDirectory, `${name}.log`),
        port,
        onReport: report,
        onChange: saveStatus,
      });
      processes.push(part);
      return part;
    };

    // The suppliers, as an operator runs them: `aviary supplier status --config <home>/supplier-1.json` works.
    const suppliers = owners.map((owner, index) => {
      const name = `supplier-${index + 1}`;
      const port = supplierPorts[index] as number;
      const configPath = writeConfig(name, {
        chain: chainConfig,
        supplier: owner.address,
        operatorKey: owner.privateKey,
        ownerKey: owner.privateKey,
        server: { host: "127.0.0.1", port, shutdownGraceMs: 3_000 },
        dataDir: join(home, name),
        log: { level: logLevel },
        models: [
          {
            name: model.name,
            inputPrice: localSupplierPrices[index]?.inputPrice.toString() ?? "0",
            outputPrice: localSupplierPrices[index]?.outputPrice.toString() ?? "0",
            backend: model.backend,
          },
          {
            name: imageModel.name,
            inputPrice: localSupplierImagePrices[index]?.inputPrice.toString() ?? "0",
            outputPrice: localSupplierImagePrices[index]?.outputPrice.toString() ?? "0",
            backend: imageModel.backend,
          },
        ],
      });
      progress(
        `starting ${name} on port ${port} (${model.backend.type} runtime, and the embedded image runtime; log in logs/${name}.log)`,
      );
      const part = supervise(name, ["supplier", "start", "--config", configPath], port);
      return { name, address: owner.address, endpoint: endpoints[index] as string, process: part };
    });

    const storePath = join(home, "gateway", "gateway.sqlite");
    const gatewayConfigPath = writeConfig("gateway", {
      chain: chainConfig,
      gatewayKey: gatewaySigner.privateKey,
      applications: [application.address],
      server: { host: "127.0.0.1", port: gatewayPort, shutdownGraceMs: 3_000 },
      store: storePath,
      log: { level: logLevel },
      routing: { maxAttempts: 3, firstByteTimeoutMs: 30_000, idleTimeoutMs: 30_000 },
      // Covert audits against the local weights (docs/integrity.md), brisk enough that the explorer's
      // leaderboard fills within minutes. An external server's weights are not here to compare against;
      // the image model's pipeline always is (the suppliers run the same runtime: renders must match exactly).
      ...((parameters.audits ?? true)
        ? {
            audit: {
              enabled: true,
              models:
                model.backend.type === "embedded"
                  ? [{ name: model.name, referencePath: model.backend.path }]
                  : [],
              imageModels: [
                {
                  name: imageModel.name,
                  referencePath: imageModel.backend.path,
                  comparison: "exact",
                  steps: { min: 2, max: 8 },
                  maxImages: 1,
                  // Small renders: cheap for the gateway to re-render and for the explorer to poll.
                  sizes: ["64x64", "128x128", "256x256"],
                },
              ],
              // 0.5 covert audits/min per supplier and model (×4 while new: 20 audits take ~18 min), short
              // outputs; the public evaluation set every 10 min, one item every 2.5–7.5 s (not audits).
              ratePerMinute: 0.5,
              maxTokens: { min: 16, max: 64 },
              evaluationIntervalMs: 600_000,
              evaluationItemGapMs: 5_000,
            },
          }
        : {}),
    });
    // The key is kept in devnet.json (the store has only its hash): reuse it while it still works. The
    // store is opened here before the gateway runs, as `aviary gateway keys create` would.
    mkdirSync(join(home, "gateway"), { recursive: true });
    const store = createGatewayStore({ path: storePath });
    let apiKey: string;
    try {
      await store.migrate();
      const saved = devnet.gateway?.apiKey;
      apiKey =
        saved && (await store.authenticate(saved))
          ? saved
          : (await store.createKey({ name: "local-network" })).key;
    } finally {
      await store.close();
    }
    progress(`starting the gateway on port ${gatewayPort} (log in logs/gateway.log)`);
    const gatewayProcess = supervise(
      "gateway",
      ["gateway", "start", "--config", gatewayConfigPath],
      gatewayPort,
    );

    let explorerUrl: string | undefined;
    if (explorer) {
      const explorerArgs = explorer.args({
        home,
        rpcUrl: devnet.rpcUrl,
        chainId: devnet.chainId,
        contracts,
        deployBlock: devnet.deployBlock,
        gateways: [gatewayUrl],
        host: "127.0.0.1",
        port: explorerPort,
        logLevel,
      });
      progress(`starting the explorer on port ${explorerPort} (log in logs/explorer.log)`);
      supervise("explorer", explorerArgs, explorerPort);
      explorerUrl = `http://127.0.0.1:${explorerPort}`;
    }

    await testClient.setIntervalMining({ interval: blockTime });
    progress(`blocks every ${blockTime}s`);
    aborted();
    await waitUntilServing({
      suppliers: endpoints,
      gatewayUrl,
      apiKey,
      model: model.name,
      imageModel: imageModel.name,
      explorerUrl,
      timeoutMs: 120_000,
      signal,
      onProgress: progress,
    });
    aborted();

    // The schema keeps only devnet.json's fields (the running handles on `devnet` are dropped).
    writeDevnetState(home, {
      ...devnet,
      model: { name: model.name, id: modelId, weightsDigest: model.weightsDigest, uri: model.uri },
      imageModel: {
        name: imageModel.name,
        id: imageModelId ?? keccak256(toHex(imageModel.name)),
        weightsDigest: imageModel.weightsDigest,
        uri: imageModel.uri,
      },
      gateway: { url: gatewayUrl, baseUrl: `${gatewayUrl}/v1`, apiKey, address: gatewaySigner.address },
      explorerUrl,
      suppliers: suppliers.map(({ address, endpoint }) => ({ address, endpoint })),
      application: { address: application.address, privateKey: application.privateKey },
      updatedAt: new Date().toISOString(),
    });
    ready = true;
    saveStatus();

    return {
      home,
      devnet,
      model: { ...model, id: modelId },
      imageModel: { ...imageModel, id: imageModelId ?? keccak256(toHex(imageModel.name)) },
      suppliers,
      gateway: {
        url: gatewayUrl,
        baseUrl: `${gatewayUrl}/v1`,
        apiKey,
        address: gatewaySigner.address,
        process: gatewayProcess,
      },
      application,
      explorerUrl,
      processes,
      deployed: devnet.deployed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A port that is free now: `port` itself (refused with a hint when taken), or any free one for 0. */
async function reservePort(port: number, part: string, option: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", (cause: NodeJS.ErrnoException) => {
      reject(
        cause.code === "EADDRINUSE"
          ? new LocalNetworkStartError({
              part,
              reason: `cannot listen on port ${port}: it is in use`,
              hints: [
                `Stop what uses it (is another \`npm start\` running? \`npx aviary devnet down\`), or pass ${option}.`,
              ],
              cause,
            })
          : cause,
      );
    });
    server.listen(port, "127.0.0.1", () => {
      const chosen = (server.address() as AddressInfo).port;
      server.close(() => resolvePort(chosen));
    });
  });
}
