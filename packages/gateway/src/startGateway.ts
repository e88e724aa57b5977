import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { aviaryChain, aviaryRegistryAbi, pendingSessions, sessionBudget, sessionOf } from "@aviary/protocol";
import {
  createModelListing,
  getModel,
  getRegistryParams,
  SupplierDirectory,
  SupplierDistrust,
  SupplierStatsBook,
} from "@aviary/sdk";
import { getRequestListener } from "@hono/node-server";
import pino, { type Logger } from "pino";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  hexToBytes,
  http,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ApplicationPool } from "./applications/ApplicationPool.ts";
import { type GatewayConfig, gatewayStoreOptions } from "./config/gatewayConfig.ts";
import { createEvaluationObserver } from "./evaluation/createEvaluationObserver.ts";
import { ModelEvaluationBoard } from "./evaluation/ModelEvaluationBoard.ts";
import { SupplierEvaluationBook } from "./evaluation/SupplierEvaluationBook.ts";
import { IntegrityFactoryMissingError } from "./integrity/errors.ts";
import type { GatewayIntegrity, GatewayIntegrityFactory } from "./integrity/GatewayIntegrity.ts";
import { ReconcileMetrics } from "./reconcile/ReconcileMetrics.ts";
import { reconcileClaims } from "./reconcile/reconcileClaims.ts";
import { reconcileProvenLeaves } from "./reconcile/reconcileProvenLeaves.ts";
import { createGatewayApp } from "./server/createGatewayApp.ts";
import { createGatewayRelaySigner } from "./server/createGatewayRelaySigner.ts";
import { createRelayListener } from "./server/createRelayListener.ts";
import { handleRelay, type RelayHandlerContext } from "./server/handleRelay.ts";
import { GatewayMetrics } from "./server/metrics.ts";
import { createGatewayStore } from "./store/createGatewayStore.ts";
import type { GatewayStore } from "./store/GatewayStore.ts";

export type GatewayNode<Integrity extends GatewayIntegrity = GatewayIntegrity> = {
  /** e.g. http://127.0.0.1:8080 (the OpenAI base URL is `${url}/v1`). */
  url: string;
  address: Address;
  applications: readonly Address[];
  store: GatewayStore;
  metrics: GatewayMetrics;
  book: SupplierStatsBook;
  /** What is published about each supplier (`GET /public/v1/suppliers`, field `evaluation`). */
  evaluation: SupplierEvaluationBook;
  /** Evaluation-set scores per model (`GET /public/v1/models/evaluation`). */
  board: ModelEvaluationBoard;
  /**
   * The integrity loop (covert audits, billing audits, evidence) that `options.integrity` created, when
   * `audit.enabled`.
   */
  integrity: Integrity | undefined;
  /** Stops taking requests (503), lets in-flight streams finish (grace period), then closes. */
  stop: () => Promise<void>;
};

export type StartGatewayOptions<Integrity extends GatewayIntegrity = GatewayIntegrity> = {
  /** @default pino at `config.log.level` */
  logger?: Logger;
  /**
   * Creates the integrity auditor (`createIntegrityMonitor` of `@aviary/audit`): required when
   * `config.audit.enabled`, unused otherwise (a gateway without audits loads no model runtime).
   */
  integrity?: GatewayIntegrityFactory<Integrity>;
};

/**
 * Starts a gateway: the OpenAI-compatible API over the network's suppliers, signing relays as a delegated
 * gateway for the configured applications.
 *
 * @throws {IntegrityFactoryMissingError} `audit.enabled` without `options.integrity`.
 * @example
 * const gateway = await startGateway(loadGatewayConfig("gateway.json"));
 * const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey });
 * // With audits (`audit.enabled`), given the auditor of @aviary/audit:
 * const audited = await startGateway(config, { integrity: createIntegrityMonitor });
 */
export async function startGateway<Integrity extends GatewayIntegrity = GatewayIntegrity>(
  config: GatewayConfig,
  options: StartGatewayOptions<Integrity> = {},
): Promise<GatewayNode<Integrity>> {
  const createIntegrity = options.integrity;
  if (config.audit.enabled && !createIntegrity) throw new IntegrityFactoryMissingError();
  const logger = options.logger ?? pino({ level: config.log.level });
  const chain = aviaryChain({ rpcUrl: config.chain.rpcUrl, chainId: config.chain.chainId });
  const publicClient = createPublicClient({
    chain,
    transport: http(config.chain.rpcUrl, { retryCount: 2 }),
    cacheTime: 0,
  });
  const registry = getAddress(config.chain.registry);
  const settlement = getAddress(config.chain.settlement);
  const gateway = privateKeyToAccount(config.gatewayKey as Hex).address;
  const params = await getRegistryParams(publicClient, { registry });
  const sessionParams = {
    sessionBlocks: params.sessionBlocks,
    graceBlocks: params.graceBlocks,
    claimBlocks: params.claimBlocks,
    proofBlocks: params.proofBlocks,
  };
  const pending = pendingSessions(sessionParams);

  let head = await publicClient.getBlockNumber();
  let headTimer: NodeJS.Timeout | undefined;
  // Set by stop(): a poll or reconciliation in flight then schedules no next one.
  let stopped = false;
  const pollHead = async () => {
    try {
      head = await publicClient.getBlockNumber();
    } catch (error) {
      if (!stopped) logger.warn({ err: error }, "reading the chain head failed; retrying");
    }
    if (!stopped) headTimer = setTimeout(pollHead, 250);
  };
  headTimer = setTimeout(pollHead, 250);
  // Relays name the session of a block slightly behind the head: a supplier a block or two behind us at a
  // rollover still serves them, and the grace period covers suppliers ahead (no dips at session rollover).
  const sessionLag = params.graceBlocks / 2n;
  const currentSession = () => sessionOf(head > sessionLag ? head - sessionLag : 0n, sessionParams);
  const headSession = () => sessionOf(head, sessionParams);

  // An application's budget with this gateway: its session budget, if it delegated to us in that session.
  const budgets = new Map<string, Promise<bigint>>();
  const pool = new ApplicationPool(config.applications, (application, session) => {
    const key = `${application}:${session}`;
    let budget = budgets.get(key);
    if (!budget) {
      budget = (async () => {
        const [delegated, stake] = await Promise.all([
          publicClient.readContract({
            address: registry,
            abi: aviaryRegistryAbi,
            functionName: "isDelegatedAt",
            args: [application, gateway, session],
          }),
          publicClient.readContract({
            address: registry,
            abi: aviaryRegistryAbi,
            functionName: "applicationStakeAt",
            args: [application, session],
          }),
        ]);
        return delegated ? sessionBudget(stake, pending) : 0n;
      })();
      budget.catch(() => budgets.delete(key));
      budgets.set(key, budget);
      if (budgets.size > 4096) budgets.delete(budgets.keys().next().value as string);
    }
    return budget;
  });

  const store = await createGatewayStore(gatewayStoreOptions(config.store));
  const migratedAt = Date.now();
  await store.migrate();
  // migrate() charged what a crash left admitted but unaccounted: say so, the operator sees the gap.
  const expiries = await store.reservationExpiries({ since: migratedAt });
  if (expiries.length > 0) {
    logger.warn(
      {
        keys: new Set(expiries.map((expiry) => expiry.keyId)).size,
        requests: expiries.reduce((sum, expiry) => sum + expiry.requests, 0),
        chargedWei: expiries.reduce((sum, expiry) => sum + expiry.chargedWei, 0n).toString(),
      },
      "requests admitted before a crash had no recorded usage: their keys were charged the reservations",
    );
  }
  const directory = new SupplierDirectory({ publicClient, registry });
  const book = new SupplierStatsBook();
  const metrics = new GatewayMetrics();
  const evaluation = new SupplierEvaluationBook();
  const board = new ModelEvaluationBoard();

  // The SDK's listing (createAviaryFetch answers the same): Unix `created`, suppliers, the lowest prices.
  const listOfferedModels = createModelListing({
    publicClient,
    registry,
    directory,
    sessions: () => {
      const lagged = currentSession();
      const latest = headSession();
      return lagged === latest ? [lagged] : [lagged, latest];
    },
    cacheMs: 5_000,
  });

  // Reconciliation: every proof is public; a proven leaf of a relay this gateway signed whose receipt differs
  // from ours is evidence (stored, published, reported). A claim larger than our receipts is not: the
  // application's own relays and its other gateways' are in it too (docs/integrity.md, "Claims reconciliation").
  const walletClient = createWalletClient({
    chain,
    transport: http(config.chain.rpcUrl),
    account: privateKeyToAccount(config.gatewayKey as Hex),
  });
  const reconcileMetrics = new ReconcileMetrics(metrics.registry);
  const modelNames = new Map<string, Promise<string>>();
  const modelName = (modelId: Hex) => {
    let name = modelNames.get(modelId);
    if (!name) {
      name = getModel(publicClient, { registry, model: modelId }).then((model) => model?.name || modelId);
      name.catch(() => modelNames.delete(modelId));
      modelNames.set(modelId, name);
    }
    return name;
  };
  // Receipts older than `keepFrom` (below) are pruned, and none exist from before this gateway ran: a restart
  // (or a first start on a live chain) reconciles only the sessions whose receipts can still be held.
  const reconcileFromSession = (() => {
    const from = sessionOf(head, sessionParams) - pending - 2n;
    return from > 0n ? from : 0n;
  })();
  let reconciledTo = reconcileFromSession > 0n ? reconcileFromSession * params.sessionBlocks - 1n : 0n;
  // Proofs have their own cursor: a pass that fails after them does not file their evidence twice.
  let provenTo = reconciledTo;
  let reconcileTimer: NodeJS.Timeout | undefined;
  const reconcile = async () => {
    try {
      const toBlock = head;
      if (toBlock > provenTo) {
        const result = await reconcileProvenLeaves({
          publicClient,
          walletClient,
          settlement,
          store,
          book,
          evaluation,
          modelName,
          gateway,
          logger,
          fromBlock: provenTo + 1n,
          toBlock,
        });
        provenTo = toBlock;
        reconcileMetrics.recordProvenLeaves(result);
        if (result.equivocations.length > 0)
          logger.warn({ equivocations: result.equivocations }, "equivocations reported");
      }
      if (toBlock > reconciledTo) {
        const unreconciled = await reconcileClaims({
          publicClient,
          settlement,
          fromSession: reconcileFromSession,
          store,
          applications: pool.applications,
          logger,
          fromBlock: reconciledTo + 1n,
          toBlock,
        });
        reconcileMetrics.recordClaims(unreconciled);
        reconciledTo = toBlock;
        reconcileMetrics.reconciledBlock.set(Number(toBlock));
        // Receipts are evidence until their session is settled and reconciled; then they only cost space
        // (and every reconciliation pass would read them again).
        const keepFrom = sessionOf(toBlock, sessionParams) - pending - 2n;
        if (keepFrom > 0n) await store.pruneReceipts(keepFrom);
      }
    } catch (error) {
      if (!stopped) logger.warn({ err: error }, "reconciliation failed; retrying");
    }
    if (!stopped) reconcileTimer = setTimeout(reconcile, 5_000);
  };
  reconcileTimer = setTimeout(reconcile, 5_000);

  // Idle keys' spend stays current: expired reservations are otherwise charged at that key's next admit.
  const expireReservations = async () => {
    try {
      await store.expireReservations();
    } catch (error) {
      if (!stopped) logger.warn({ err: error }, "charging expired reservations failed; retrying");
    }
    if (!stopped) expiryTimer = setTimeout(expireReservations, 60_000);
  };
  let expiryTimer: NodeJS.Timeout | undefined = setTimeout(expireReservations, 60_000);

  const inFlight = { count: 0 };
  let accepting = true;
  const domain = { chainId: config.chain.chainId, verifyingContract: settlement };
  const relayContext: RelayHandlerContext = {
    store,
    directory,
    book,
    distrust: new SupplierDistrust(),
    pool,
    signer: createGatewayRelaySigner({ pool, gatewayKey: hexToBytes(config.gatewayKey as Hex), domain }),
    metrics,
    logger,
    domain,
    currentSession,
    headSession,
    strategy: { type: config.routing.strategy },
    maxAttempts: config.routing.maxAttempts,
    firstByteTimeoutMs: config.routing.firstByteTimeoutMs,
    idleTimeoutMs: config.routing.idleTimeoutMs,
    defaultMaxTokens: config.defaultMaxTokens,
    hedgeAfterMs: config.routing.hedgeAfterMs,
    observer: createEvaluationObserver(evaluation),
  };

  // Integrity (protocol.md §8): an auditor of the caller's (`@aviary/audit`), its references verified against
  // the registered digests, its audits relayed through the same path as users' requests, under an API key of
  // the gateway's own.
  let integrity: Integrity | undefined;
  if (config.audit.enabled && createIntegrity) {
    const abandon = async (error: unknown) => {
      if (headTimer) clearTimeout(headTimer);
      if (reconcileTimer) clearTimeout(reconcileTimer);
      if (expiryTimer) clearTimeout(expiryTimer);
      await store.close();
      throw error;
    };
    integrity = await createIntegrity({
      config: config.audit,
      store,
      book,
      evaluation,
      board,
      logger,
      publicClient,
      registry,
      openAuditKey: async () => {
        const auditKeyName = "aviary-integrity-audits";
        const auditKey =
          (await store.listKeys()).find((key) => key.name === auditKeyName && key.revokedAt === null) ??
          (await store.createKey({ name: auditKeyName })).record;
        return {
          keyId: auditKey.id,
          relay: (route, body, hooks, signal) =>
            handleRelay(relayContext, route, auditKey, body, signal, hooks),
        };
      },
      suppliersOf: async (modelId) =>
        (await directory.get(modelId, currentSession())).map((supplier) => ({
          address: supplier.address,
          endpoint: supplier.endpoint,
          ...(supplier.capabilities ? { capabilities: supplier.capabilities } : {}),
        })),
    }).catch(abandon);
    relayContext.observer = integrity.observer;
    await integrity.restore();
  }

  const appParameters = {
    address: gateway,
    relay: relayContext,
    store,
    metrics,
    maxBodyBytes: config.server.maxBodyBytes,
    listModels: listOfferedModels,
    inFlight,
    accepting: () => accepting,
    evaluation,
    board,
    imageAudits: () => integrity?.imageAudits() ?? [],
    sequentialTests: () => integrity?.sequentialTests() ?? [],
  };
  const app = createGatewayApp(appParameters);
  // The relay routes are a plain node:http listener (measured leaner than hono's node adapter, see
  // createRelayListener); hono keeps every other route.
  const honoListener = getRequestListener(app.fetch);
  const relayListener = createRelayListener(appParameters);
  const server = createServer((incoming, outgoing) => {
    if (!relayListener(incoming, outgoing)) void honoListener(incoming, outgoing);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const url = `http://${config.server.host}:${(server.address() as AddressInfo).port}`;
  logger.info({ url, gateway, applications: pool.applications }, "gateway ready");
  integrity?.start();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      accepting = false;
      stopped = true;
      if (headTimer) clearTimeout(headTimer);
      if (reconcileTimer) clearTimeout(reconcileTimer);
      if (expiryTimer) clearTimeout(expiryTimer);
      await integrity?.stop();
      const deadline = Date.now() + config.server.shutdownGraceMs;
      while (inFlight.count > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      if (headTimer) clearTimeout(headTimer);
      if (reconcileTimer) clearTimeout(reconcileTimer);
      if (expiryTimer) clearTimeout(expiryTimer);
      await store.close();
      logger.info("gateway stopped");
    })();
    return stopping;
  };
  return {
    url,
    address: gateway,
    applications: pool.applications,
    store,
    metrics,
    book,
    evaluation,
    board,
    integrity,
    stop,
  };
}
