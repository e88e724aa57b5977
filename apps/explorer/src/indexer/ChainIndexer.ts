import { aviaryRegistryAbi, aviarySettlementAbi } from "@aviary/protocol";
import type { Logger } from "pino";
import type { Address, PublicClient } from "viem";
import { applyRegistryLog, type RegistryLog, type StakeRefresh } from "./applyRegistryLog.ts";
import { applySettlementLog, type SettlementLog } from "./applySettlementLog.ts";
import { createExplorerState } from "./createExplorerState.ts";
import { readNetworkParams } from "./readNetworkParams.ts";
import { refreshStakes } from "./refreshStakes.ts";
import type { ExplorerState } from "./types.ts";

export type ChainIndexerParameters = {
  publicClient: PublicClient;
  contracts: { registry: Address; settlement: Address };
  /** First block to read logs from. @default 0n */
  deployBlock?: bigint;
  /** Blocks per `eth_getLogs` request. @default 5000n */
  batchBlocks?: bigint;
  /** Pause between two polls of the head. @default 1000 */
  pollIntervalMs?: number;
  logger: Logger;
};

/**
 * Follows the chain with `eth_getLogs` (in block ranges, from the deploy block to the head, then every
 * poll) and keeps an in-memory index of both contracts' events, with stakes read from the registry's views.
 * A head below the indexed block, or an indexed block whose hash changed (the chain was restarted), resets
 * the index and reads it again from the deploy block.
 *
 * @example
 * ```ts
 * const indexer = new ChainIndexer({ publicClient, contracts, logger });
 * await indexer.sync();
 * indexer.state.claims.size;
 * indexer.start(); // keeps following; `await indexer.stop()` ends it
 * ```
 */
export class ChainIndexer {
  /** The index; mutated in place (a reset empties it), so readers may hold on to it. */
  readonly state: ExplorerState = createExplorerState();
  readonly #parameters: Required<Omit<ChainIndexerParameters, "logger">> & { logger: Logger };
  #pending: StakeRefresh = emptyRefresh();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(parameters: ChainIndexerParameters) {
    this.#parameters = {
      deployBlock: 0n,
      batchBlocks: 5000n,
      pollIntervalMs: 1000,
      ...parameters,
    };
  }

  /** Polls the chain every `pollIntervalMs` until {@link ChainIndexer.stop}. Errors are logged and kept in `state.lastError`. */
  start(): void {
    this.#stopped = false;
    const tick = async () => {
      await this.syncSafely();
      if (!this.#stopped) this.#timer = setTimeout(tick, this.#parameters.pollIntervalMs);
    };
    this.#timer = setTimeout(tick, this.#parameters.pollIntervalMs);
  }

  /** Stops polling and waits for a sync in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    // A failing sync in flight was (or will be) reported by syncSafely; stopping does not rethrow it.
    await this.#running?.catch(() => {});
  }

  /** {@link ChainIndexer.sync}, logging a failure instead of throwing it (the next poll retries). */
  async syncSafely(): Promise<void> {
    try {
      await this.sync();
      this.state.lastError = undefined;
    } catch (error) {
      const message = error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error);
      if (this.state.lastError !== message) {
        this.#parameters.logger.warn({ err: error }, "reading the chain failed; retrying");
      }
      this.state.lastError = message;
    }
  }

  /** Reads every new block's logs up to the head (one sync at a time; a concurrent call waits for it). */
  sync(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#sync().finally(() => {
        this.#running = undefined;
      });
    }
    return this.#running;
  }

  async #sync(): Promise<void> {
    const { publicClient, contracts, logger } = this.#parameters;
    const state = this.state;
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    if (state.indexedTo !== undefined) {
      const indexed =
        head < state.indexedTo
          ? undefined
          : await publicClient.getBlock({ blockNumber: state.indexedTo }).catch(() => undefined);
      if (indexed?.hash !== state.indexedHash) {
        logger.warn(
          { head, indexedTo: state.indexedTo },
          "the chain no longer has the indexed blocks (restarted?); indexing again from the deploy block",
        );
        this.#reset();
      }
    }
    state.params ??= await readNetworkParams({
      publicClient,
      registry: contracts.registry,
      settlement: contracts.settlement,
    });
    let from = state.indexedTo === undefined ? this.#parameters.deployBlock : state.indexedTo + 1n;
    while (from <= head) {
      const to =
        head < from + this.#parameters.batchBlocks - 1n ? head : from + this.#parameters.batchBlocks - 1n;
      const [registryLogs, settlementLogs, toBlock] = await Promise.all([
        publicClient.getContractEvents({
          address: contracts.registry,
          abi: aviaryRegistryAbi,
          fromBlock: from,
          toBlock: to,
          strict: true,
        }),
        publicClient.getContractEvents({
          address: contracts.settlement,
          abi: aviarySettlementAbi,
          fromBlock: from,
          toBlock: to,
          strict: true,
        }),
        publicClient.getBlock({ blockNumber: to }),
      ]);
      const ordered: (
        | { contract: "registry"; log: RegistryLog }
        | { contract: "settlement"; log: SettlementLog }
      )[] = [
        ...registryLogs.map((log) => ({ contract: "registry" as const, log })),
        ...settlementLogs.map((log) => ({ contract: "settlement" as const, log })),
      ].sort((a, b) =>
        a.log.blockNumber === b.log.blockNumber
          ? a.log.logIndex - b.log.logIndex
          : a.log.blockNumber < b.log.blockNumber
            ? -1
            : 1,
      );
      // Applied without an await in between, with the block marker: a failure never applies a log twice.
      for (const entry of ordered) {
        if (entry.contract === "registry") applyRegistryLog(state, entry.log, this.#pending);
        else applySettlementLog(state, entry.log);
      }
      state.indexedTo = to;
      state.indexedHash = toBlock.hash ?? undefined;
      if (ordered.length > 0) logger.debug({ from, to, logs: ordered.length }, "indexed");
      from = to + 1n;
    }
    state.head = head;
    const pending = this.#pending;
    const changed = pending.suppliers.size + pending.applications.size + pending.gateways.size > 0;
    // Every change of a stake (and of the registry's holdings) comes with an event: nothing to read otherwise.
    if (state.indexedTo !== undefined && changed) {
      await refreshStakes({
        publicClient,
        registry: contracts.registry,
        state,
        refresh: pending,
        blockNumber: state.indexedTo,
      });
      if (this.#pending === pending) this.#pending = emptyRefresh();
    }
    state.lastSyncAt = Date.now();
  }

  #reset(): void {
    Object.assign(this.state, createExplorerState());
    this.#pending = emptyRefresh();
  }
}

function emptyRefresh(): StakeRefresh {
  return { suppliers: new Set(), applications: new Set(), gateways: new Set() };
}
