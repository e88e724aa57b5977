import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { aviaryChain, relayCost, sessionOf } from "@aviary/protocol";
import { getModel, getRegistryParams } from "@aviary/sdk";
import pino, { type Logger } from "pino";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  hexToBytes,
  http,
  keccak256,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Backend } from "./backends/Backend.ts";
import { EmbeddedBackend } from "./backends/embedded/EmbeddedBackend.ts";
import { EmbeddedImageBackend } from "./backends/image/EmbeddedImageBackend.ts";
import { OpenAiCompatibleBackend } from "./backends/openai/OpenAiCompatibleBackend.ts";
import type { SupplierConfig } from "./config/supplierConfig.ts";
import { SupplierStartError } from "./errors.ts";
import { SessionLifecycle } from "./pipeline/SessionLifecycle.ts";
import { watchBlocks } from "./pipeline/watchBlocks.ts";
import { BudgetMeter } from "./server/BudgetMeter.ts";
import { ChainView } from "./server/ChainView.ts";
import { createSupplierListener } from "./server/createSupplierApp.ts";
import { SupplierMetrics } from "./server/metrics.ts";
import { NonceGuard } from "./server/NonceGuard.ts";
import type { ServedModel } from "./server/verifyRelay.ts";
import { FileRelayStore } from "./store/FileRelayStore.ts";

export const supplierVersion = "0.1.0";

export type SupplierNode = {
  /** Where the node listens, e.g. http://127.0.0.1:8081 */
  url: string;
  /** The endpoint it advertises (config server.publicUrl, else `url`). */
  endpoint: string;
  supplier: Address;
  operator: Address;
  models: ServedModel[];
  metrics: SupplierMetrics;
  store: FileRelayStore;
  lifecycle: SessionLifecycle;
  chain: ChainView;
  /** Stops taking relays, finishes those in flight (up to the grace period), then closes everything. */
  stop: () => Promise<void>;
};

function createBackend(model: SupplierConfig["models"][number], weightsDigest: Hex): Backend {
  const backend = model.backend;
  if (backend.type === "embedded") {
    return new EmbeddedBackend({
      modelPath: backend.path,
      expectedSha256: weightsDigest,
      contextSize: backend.contextSize,
      sequences: backend.sequences,
      threads: backend.threads,
    });
  }
  if (backend.type === "embedded-image") {
    return new EmbeddedImageBackend({
      path: backend.path,
      expectedSha256: weightsDigest,
      threads: backend.threads,
    });
  }
  return new OpenAiCompatibleBackend({
    baseUrl: backend.baseUrl,
    model: backend.model,
    apiKey: backend.apiKey,
    timeoutMs: backend.timeoutMs,
    ...(backend.routes ? { routes: backend.routes } : {}),
    ...(backend.capabilities ? { capabilities: backend.capabilities } : {}),
  });
}

/**
 * Starts a supplier node from its configuration: checks each model against the registry (an embedded
 * model's file must hash to the registered `weightsDigest`, or that model is not served), opens the relay
 * store, replays it into the nonce guard and budget meter, serves HTTP, and runs the claim/prove lifecycle.
 *
 * @example
 * const node = await startSupplier(loadSupplierConfig("supplier.json"));
 * console.log(node.url);
 * await node.stop();
 */
export async function startSupplier(
  config: SupplierConfig,
  options: { logger?: Logger } = {},
): Promise<SupplierNode> {
  const logger = options.logger ?? pino({ level: config.log.level });
  const chain = aviaryChain({ rpcUrl: config.chain.rpcUrl, chainId: config.chain.chainId });
  const transport = http(config.chain.rpcUrl, { retryCount: 2, timeout: 10_000 });
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0 });
  const operatorAccount = privateKeyToAccount(config.operatorKey as Hex);
  const walletClient = createWalletClient({ chain, transport, account: operatorAccount });
  const supplier = getAddress(config.supplier);
  const registry = getAddress(config.chain.registry);
  const settlement = getAddress(config.chain.settlement);
  const domain = { chainId: config.chain.chainId, verifyingContract: settlement };

  let registryParams: Awaited<ReturnType<typeof readParams>>;
  async function readParams() {
    return getRegistryParams(publicClient, { registry });
  }
  try {
    registryParams = await readParams();
  } catch (cause) {
    throw new SupplierStartError(
      `cannot read the registry at ${registry} through ${config.chain.rpcUrl}`,
      cause,
    );
  }
  const sessionParams = {
    sessionBlocks: registryParams.sessionBlocks,
    graceBlocks: registryParams.graceBlocks,
    claimBlocks: registryParams.claimBlocks,
    proofBlocks: registryParams.proofBlocks,
  };

  // Models: each must be registered; an embedded one must be the registered weights, byte for byte.
  const models: ServedModel[] = [];
  for (const model of config.models) {
    const modelId = keccak256(toHex(model.name));
    const registered = await getModel(publicClient, { registry, model: modelId });
    if (!registered) {
      logger.error({ model: model.name, modelId }, "model is not registered on-chain: not serving it");
      continue;
    }
    const backend = createBackend(model, registered.weightsDigest);
    try {
      await backend.start();
    } catch (error) {
      logger.error({ model: model.name, err: error }, "model backend failed to start: not serving it");
      await backend.close().catch(() => {});
      continue;
    }
    models.push({
      name: model.name,
      modelId,
      backend,
      inputPrice: model.inputPrice,
      outputPrice: model.outputPrice,
      dataRetention: model.dataRetention ?? config.dataRetention,
    });
    logger.info({ model: model.name, modelId, backend: backend.description }, "serving model");
  }
  if (models.length === 0) throw new SupplierStartError("no model can be served (see the errors above)");

  const metrics = new SupplierMetrics();
  const store = new FileRelayStore({ directory: config.dataDir });
  await store.open();
  const chainView = new ChainView({
    publicClient,
    registry,
    supplier,
    sessionParams,
  });
  await chainView.start();

  // Replay what was served in sessions that can still be served: no replays, and the meter remembers.
  const nonces = new NonceGuard();
  const meter = new BudgetMeter();
  const current = sessionOf(chainView.head, sessionParams);
  for (const session of await store.sessions()) {
    if (session + 1n < current) continue;
    for await (const record of store.readSession(session)) {
      nonces.take(session, record.relayKey);
      meter.settle(record.request.application, session, 0n, relayCost(record));
    }
  }

  const lifecycle = new SessionLifecycle({
    store,
    publicClient,
    walletClient,
    settlement,
    registry,
    supplier,
    domain,
    sessionParams,
    logger,
    onEvent: (event) => {
      if (event.type === "claimed" && !event.adopted) metrics.claims.inc({ outcome: "claimed" });
      else if (event.type === "failed") metrics.claims.inc({ outcome: "failed" });
      else if (event.type === "insufficient-collateral")
        metrics.claims.inc({ outcome: "insufficient_collateral" });
      else if (event.type === "proven" && !event.adopted) metrics.proofs.inc({ outcome: "proven" });
      else if (event.type === "not-required") metrics.proofs.inc({ outcome: "not_required" });
      else if (event.type === "settled" && !event.adopted) metrics.earnings.inc(Number(event.paid));
    },
  });
  const watcher = watchBlocks(
    publicClient,
    async (blockNumber: bigint) => {
      chainView.setHead(blockNumber);
      nonces.forgetBefore(sessionOf(blockNumber, sessionParams) - 1n);
      meter.forgetBefore(sessionOf(blockNumber, sessionParams) - 1n);
      await lifecycle.tick(blockNumber);
    },
    { onError: (error) => logger.warn({ err: error }, "block poll failed; retrying") },
  );

  const inFlight = { count: 0 };
  let accepting = true;
  const endpointPlaceholder = { value: "" };
  const listener = createSupplierListener({
    relay: {
      supplier,
      domain,
      sessionParams,
      models: new Map(models.map((model) => [model.modelId.toLowerCase(), model])),
      chain: chainView,
      nonces,
      meter,
    },
    serve: {
      domain,
      operatorKey: hexToBytes(config.operatorKey as Hex),
      store,
      nonces,
      meter,
      metrics,
      onRelayError: (relay, error) =>
        logger.warn({ relayKey: relay.relayKey, model: relay.model.name, err: error }, "relay failed"),
    },
    operator: operatorAccount.address,
    get endpoint() {
      return endpointPlaceholder.value;
    },
    version: supplierVersion,
    maxBodyBytes: config.server.maxBodyBytes,
    inFlight,
    accepting: () => accepting,
  });

  const server: Server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.server.host}:${port}`;
  endpointPlaceholder.value = config.server.publicUrl ?? url;
  logger.info(
    { url, supplier, operator: operatorAccount.address, models: models.map((model) => model.name) },
    "supplier ready",
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      accepting = false;
      logger.info({ inFlight: inFlight.count }, "shutting down: finishing relays in flight");
      // The lifecycle stops first: whatever it has left, the next start picks up from the store and the chain.
      // A poll or a transaction in flight against a chain that is gone (RPC retries, a receipt that never
      // comes) is not waited for past the grace period: the relay log and the chain are the truth on restart.
      const deadline = Date.now() + config.server.shutdownGraceMs;
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([watcher.stop(), lifecycle.stop()]),
        new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, config.server.shutdownGraceMs);
        }),
      ]);
      clearTimeout(graceTimer);
      while (inFlight.count > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all(models.map((model) => model.backend.close().catch(() => {})));
      await store.close();
      logger.info("supplier stopped");
    })();
    return stopping;
  };

  return {
    url,
    endpoint: endpointPlaceholder.value,
    supplier,
    operator: operatorAccount.address,
    models,
    metrics,
    store,
    lifecycle,
    chain: chainView,
    stop,
  };
}
