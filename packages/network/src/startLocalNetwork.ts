import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Devnet, devnetChain, startDevnet, token, writeDevnetState } from "@aviary/devnet";
import { type GatewayNode, parseGatewayConfig, startGateway } from "@aviary/gateway";
import { aviaryRegistryAbi } from "@aviary/protocol";
import { parseSupplierConfig, type SupplierNode, startSupplier } from "@aviary/supplier";
import pino, { type Logger } from "pino";
import { type Address, createPublicClient, createTestClient, type Hex, http } from "viem";
import { ensureOnChainSetup, type Signer } from "./ensureOnChainSetup.ts";
import { LocalNetworkStartError } from "./errors.ts";
import { type NetworkModel, resolveNetworkModel } from "./resolveNetworkModel.ts";
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
  /** An OpenAI-compatible server to serve instead of the embedded runtime. */
  backend?: { baseUrl: string; model: string };
  /** Start the explorer. @default true */
  explorer?: boolean;
  /** Let the gateway audit the suppliers against the local weights (embedded runtime only). @default true */
  audits?: boolean;
  /** 0 picks free ports (tests). @default 8080 (gateway), 8081–8083 (suppliers), 8090 (explorer) */
  ports?: { gateway?: number; suppliers?: [number, number, number]; explorer?: number };
  /** Where the nodes' logs go. @default files under `<home>/logs` */
  logLevel?: "info" | "debug" | "warn" | "silent";
  onProgress?: (message: string) => void;
};

export type LocalNetwork = {
  home: string;
  devnet: Devnet;
  model: NetworkModel & { id: Hex };
  suppliers: { address: Address; endpoint: string; node: SupplierNode }[];
  gateway: { url: string; apiKey: string; address: Address; node: GatewayNode };
  application: Signer;
  explorerUrl: string | undefined;
  /** True when the contracts were deployed by this start (false: the saved chain was resumed). */
  deployed: boolean;
  /** Stops the explorer, gateway, suppliers and anvil, in that order (state is saved when persisted). */
  stop: () => Promise<void>;
};

/** Three suppliers at different prices (token wei per input / output token), so routing has a choice. */
export const localSupplierPrices = [
  { inputPrice: 1_000_000_000n, outputPrice: 3_000_000_000n },
  { inputPrice: 2_000_000_000n, outputPrice: 4_000_000_000n },
  { inputPrice: 4_000_000_000n, outputPrice: 8_000_000_000n },
] as const;

/**
 * Starts the whole local network: anvil with the contracts (or the saved chain), the model registered
 * for the model source, three staked suppliers serving it, an application delegated to a gateway, the
 * gateway with an API key, and the explorer. Writes `devnet.json` with everything a client needs and
 * returns once one real request has gone through the gateway.
 *
 * @example
 * const network = await startLocalNetwork({ onProgress: console.log });
 * console.log(network.gateway.url, network.gateway.apiKey);
 * await network.stop();
 */
export async function startLocalNetwork(parameters: StartLocalNetworkParameters = {}): Promise<LocalNetwork> {
  const progress = parameters.onProgress ?? (() => {});
  const blockTime = parameters.blockTime ?? 1;
  const started: { stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => {});
    started.length = 0;
  };

  // The chain first, on automine: setup transactions land at once; blocks start ticking at the end.
  const devnet = await startDevnet({
    home: parameters.home,
    persist: parameters.persist ?? true,
    fresh: parameters.fresh ?? false,
    onProgress: progress,
  });
  started.push({ stop: devnet.stop });
  try {
    const home = devnet.home;
    const logDirectory = join(home, "logs");
    mkdirSync(logDirectory, { recursive: true });
    const loggers: Logger[] = [];
    const loggerFor = (name: string): Logger => {
      const destination = pino.destination({
        dest: join(logDirectory, `${name}.log`),
        sync: false,
        mkdir: true,
      });
      const logger = pino({ level: parameters.logLevel ?? "info", name }, destination);
      loggers.push(logger);
      started.push({ stop: async () => destination.flushSync() });
      return logger;
    };
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
    // Suppliers refuse to start for an unregistered model, so the model is registered before they start
    // and the rest of the setup (which needs their endpoints) after.
    const source = role("model-source");
    const gatewaySigner = role("gateway");
    const application = role("application");
    const owners = [role("supplier-1"), role("supplier-2"), role("supplier-3")];
    const setup = (endpoints: string[], gatewayUrl: string) =>
      ensureOnChainSetup({
        publicClient,
        chain,
        rpcUrl: devnet.rpcUrl,
        registry: contracts.registry,
        token: contracts.token,
        model,
        source,
        sourceShareBps: 1000,
        suppliers: owners.slice(0, endpoints.length).map((owner, index) => ({
          owner,
          endpoint: endpoints[index] as string,
          // Each claim locks max(missingProofPenalty, amount) until it settles, about a session later: with
          // one application and one model, two sessions' claims at the devnet's 1000 AVY penalty (the local
          // prices keep every claim's amount far below it) fit in even the smallest stake, 2000 AVY.
          stake: token(2000 * (index + 1)),
          ...(localSupplierPrices[index] as (typeof localSupplierPrices)[number]),
        })),
        gateway: {
          signer: gatewaySigner,
          stake: token(100),
          metadataUrl: `${gatewayUrl}/public/v1/suppliers`,
        },
        application: { signer: application, stake: token(10_000) },
        onProgress: progress,
      });
    const gatewayPort = parameters.ports?.gateway ?? 8080;
    const plannedGatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    await setup([], plannedGatewayUrl);

    const chainConfig = {
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      registry: contracts.registry,
      settlement: contracts.settlement,
    };
    // The three load their runtimes concurrently; each is kept for stopping as soon as it is up.
    const supplierStarts = await Promise.allSettled(
      owners.map(async (owner, index) => {
        const name = `supplier-${index + 1}`;
        const port = parameters.ports?.suppliers?.[index] ?? 8081 + index;
        const configInput = {
          chain: chainConfig,
          supplier: owner.address,
          operatorKey: owner.privateKey,
          ownerKey: owner.privateKey,
          server: { host: "127.0.0.1", port, shutdownGraceMs: 5_000 },
          dataDir: join(home, name),
          models: [
            {
              name: model.name,
              inputPrice: localSupplierPrices[index]?.inputPrice.toString() ?? "0",
              outputPrice: localSupplierPrices[index]?.outputPrice.toString() ?? "0",
              backend: model.backend,
            },
          ],
        };
        // The same configuration on disk: `aviary supplier status --config .aviary/supplier-1.json` works.
        writeFileSync(join(home, `${name}.json`), `${JSON.stringify(configInput, null, 2)}\n`);
        progress(`starting ${name} on port ${port || "(free)"} (${model.backend.type} runtime)`);
        const node = await startSupplier(
          parseSupplierConfig(configInput, { source: name, baseDirectory: home }),
          { logger: loggerFor(name) },
        ).catch((cause: unknown) => {
          throw portError(cause, name, port, "--supplier-port (the first of three ports)") ?? cause;
        });
        started.push(node);
        return { address: owner.address, endpoint: node.url, node };
      }),
    );
    // Every start settles first, so a failure never leaves a sibling starting after the clean-up.
    const failed = supplierStarts.find((start) => start.status === "rejected");
    if (failed) throw failed.reason;
    const suppliers = supplierStarts.map(
      (start) => (start as PromiseFulfilledResult<LocalNetwork["suppliers"][number]>).value,
    );

    const { modelId, changed } = await setup(
      suppliers.map((supplier) => supplier.endpoint),
      plannedGatewayUrl,
    );
    if (changed) {
      // Offers, stakes and delegations apply from the next session: move there now rather than wait.
      const params = await publicClient.readContract({
        address: contracts.registry,
        abi: aviaryRegistryAbi,
        functionName: "params",
      });
      const head = await publicClient.getBlockNumber();
      const next = (head / params.sessionBlocks + 1n) * params.sessionBlocks;
      await testClient.mine({ blocks: Number(next - head) });
      progress(`mined to block ${next}: the offers and the delegation are in effect`);
    }

    const gatewayConfigInput = {
      chain: chainConfig,
      gatewayKey: gatewaySigner.privateKey,
      applications: [application.address],
      server: { host: "127.0.0.1", port: gatewayPort, shutdownGraceMs: 5_000 },
      store: join(home, "gateway", "gateway.sqlite"),
      routing: { maxAttempts: 3, firstByteTimeoutMs: 30_000, idleTimeoutMs: 30_000 },
      // Covert audits against the local weights (docs/integrity.md), brisk enough that the explorer's
      // leaderboard fills within minutes. An external server's weights are not here to compare against.
      ...(model.backend.type === "embedded" && (parameters.audits ?? true)
        ? {
            audit: {
              enabled: true,
              models: [{ name: model.name, referencePath: model.backend.path }],
              ratePerMinute: 0.5,
              maxTokens: { min: 16, max: 64 },
              evaluationIntervalMs: 600_000,
            },
          }
        : {}),
    };
    mkdirSync(join(home, "gateway"), { recursive: true });
    writeFileSync(join(home, "gateway.json"), `${JSON.stringify(gatewayConfigInput, null, 2)}\n`);
    progress(`starting the gateway on port ${gatewayPort || "(free)"}`);
    const gatewayNode = await startGateway(
      parseGatewayConfig(gatewayConfigInput, { source: "gateway", baseDirectory: home }),
      { logger: loggerFor("gateway") },
    ).catch((cause: unknown) => {
      throw portError(cause, "the gateway", gatewayPort, "--gateway-port") ?? cause;
    });
    started.push(gatewayNode);
    // The key is kept in devnet.json (the store has only its hash): reuse it while it still works.
    const saved = devnet.gateway?.apiKey;
    const apiKey =
      saved && (await gatewayNode.store.authenticate(saved))
        ? saved
        : (await gatewayNode.store.createKey({ name: "local-network" })).key;

    let explorerUrl: string | undefined;
    if (parameters.explorer ?? true) {
      const explorerPort = parameters.ports?.explorer ?? 8090;
      progress(`starting the explorer on port ${explorerPort || "(free)"}`);
      // Loaded only when wanted: `--no-explorer` runs without its dependencies.
      const { startExplorer } = await import("@aviary/explorer");
      const explorer = await startExplorer({
        rpcUrl: devnet.rpcUrl,
        chainId: devnet.chainId,
        contracts,
        deployBlock: BigInt(devnet.deployBlock),
        gateways: [gatewayNode.url],
        port: explorerPort,
        logger: loggerFor("explorer"),
      }).catch((cause: unknown) => {
        throw portError(cause, "the explorer", explorerPort, "--explorer-port") ?? cause;
      });
      started.push(explorer);
      explorerUrl = explorer.url;
    }

    // The schema keeps only devnet.json's fields (the running handles on `devnet` are dropped).
    writeDevnetState(home, {
      ...devnet,
      model: { name: model.name, id: modelId, weightsDigest: model.weightsDigest, uri: model.uri },
      gateway: { url: gatewayNode.url, apiKey, address: gatewayNode.address },
      explorerUrl,
      suppliers: suppliers.map(({ address, endpoint }) => ({ address, endpoint })),
      application: { address: application.address, privateKey: application.privateKey },
      updatedAt: new Date().toISOString(),
    });

    await testClient.setIntervalMining({ interval: blockTime });
    progress(`blocks every ${blockTime}s`);
    await waitUntilServing({
      suppliers: suppliers.map((supplier) => supplier.endpoint),
      gatewayUrl: gatewayNode.url,
      apiKey,
      model: model.name,
      explorerUrl,
      onProgress: progress,
    });

    return {
      home,
      devnet,
      model: { ...model, id: modelId },
      suppliers,
      gateway: { url: gatewayNode.url, apiKey, address: gatewayNode.address, node: gatewayNode },
      application,
      explorerUrl,
      deployed: devnet.deployed,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function portError(
  cause: unknown,
  part: string,
  port: number,
  option: string,
): LocalNetworkStartError | undefined {
  const code =
    (cause as { code?: string; cause?: { code?: string } })?.code ??
    (cause as { cause?: { code?: string } })?.cause?.code;
  if (code !== "EADDRINUSE" && !String((cause as Error)?.message).includes("EADDRINUSE")) return undefined;
  return new LocalNetworkStartError({
    part,
    reason: `cannot listen on port ${port}: it is in use`,
    hints: [
      `Stop what uses it (is another \`npm start\` running? \`npx aviary devnet down\`), or pass ${option}.`,
    ],
    cause,
  });
}
