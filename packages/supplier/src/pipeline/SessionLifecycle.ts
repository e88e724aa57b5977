import {
  aviarySettlementAbi,
  type RelayDomainParameters,
  type SessionParams,
  type SessionWindows,
  sessionWindows,
} from "@aviary/protocol";
import { getMiningProbability, getMiningSeed } from "@aviary/sdk";
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { ClaimState, RelayStore } from "../store/RelayStore.ts";
import { ClaimBook, isTerminalClaimStatus } from "./ClaimBook.ts";
import { claimSession } from "./claimSession.ts";
import { describeError } from "./describeError.ts";
import { MiningSeedUnavailableError } from "./errors.ts";
import { type MineSessionReturnType, mineSession } from "./mineSession.ts";
import { proveSession } from "./proveSession.ts";
import { settleSession } from "./settleSession.ts";
import { type LifecycleContext, type LifecycleEvent, type LifecycleLogger, silentLogger } from "./types.ts";

export type SessionLifecycleParameters = {
  store: RelayStore;
  /** Reads the chain (and waits for receipts). */
  publicClient: PublicClient;
  /** Sends claims, proofs and settlements: its account is the supplier's operator (or the supplier itself). */
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The settlement contract. */
  settlement: Address;
  /** The registry contract (the supplier's stake and claim collateral). */
  registry: Address;
  /** The supplier (owner) address the relays name. */
  supplier: Address;
  /** EIP-712 domain of the relays: `{ chainId, verifyingContract: settlement }`. */
  domain: RelayDomainParameters;
  /** The registry's session parameters. */
  sessionParams: SessionParams;
  logger?: LifecycleLogger;
  /** Called synchronously with each event; exceptions it throws are logged and ignored. */
  onEvent?: (event: LifecycleEvent) => void;
  /**
   * Blocks to wait into the claim window before mining a session, so relays still streaming when serving
   * ended are recorded first (records appended after mining are not claimed). Clamped to leave at least one
   * block for the claim. @default 1
   */
  claimAfterBlocks?: number | bigint;
  /** How long to wait for a receipt before moving on (the transaction is looked at again next block). @default 60000 */
  receiptTimeoutMs?: number;
  /** Receipt polling interval. @default 500 */
  pollingIntervalMs?: number;
  /**
   * Claims handled at once in a step: their transactions are sent one after the other (consecutive nonces)
   * and their receipts awaited together, so many claims fit in one window. @default 32
   */
  concurrency?: number;
};

/**
 * The supplier's session lifecycle on chain (protocol.md §3, §5, §7): call `tick(blockNumber)` on every new
 * block (see `watchBlocks`). For each session with records or unfinished claims, by the window the head
 * block is in (a transaction sent at head `n` lands in `n + 1` at the earliest, so that is the block checked
 * against each window):
 * - claim window: mine the session (`mineSession`, seeded by `blockhash(E + graceBlocks + 1)`) and `claim` each
 *   (application, model) with a mined relay whose collateral the supplier's unlocked stake covers;
 * - proof seed block on: `recordSeed` if nobody did, `prove` the claims the contract says need a proof (the
 *   leaves drawn by sum and by count);
 * - after the proof window: `settle` and record what was paid, then prune the session's records once each of
 *   its claims is `settled` or `failed`.
 *
 * The chain is the source of truth for what was done (`getClaim` before every step), the store's claim book
 * the memory of it, so a new lifecycle over the same store and chain resumes without sending anything twice.
 * RPC and transaction failures are retried on the next tick while the window is open; a window that closes
 * first marks the claim `failed` with the reason. Ticks never overlap: a tick called while one is running
 * returns `false` at once. `stop()` before closing the store.
 *
 * @example
 * ```ts
 * const lifecycle = new SessionLifecycle({
 *   store, publicClient, walletClient, settlement, registry, supplier: owner,
 *   domain: { chainId, verifyingContract: settlement },
 *   sessionParams: { sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 },
 *   logger, onEvent: (event) => metrics.record(event),
 * });
 * const watcher = watchBlocks(publicClient, (blockNumber) => lifecycle.tick(blockNumber));
 * ```
 */
export class SessionLifecycle {
  readonly #context: LifecycleContext;
  readonly #mined = new Map<bigint, Promise<MineSessionReturnType>>();
  readonly #onEvent: ((event: LifecycleEvent) => void) | undefined;
  #busy = false;
  #running: Promise<void> | undefined;
  #stopped = false;
  #sending: Promise<unknown> = Promise.resolve();
  #missingProofPenalty: Promise<bigint> | undefined;

  constructor(parameters: SessionLifecycleParameters) {
    this.#onEvent = parameters.onEvent;
    const logger = parameters.logger ?? silentLogger;
    const context: LifecycleContext = {
      store: parameters.store,
      publicClient: parameters.publicClient,
      walletClient: parameters.walletClient,
      settlement: parameters.settlement,
      registry: parameters.registry,
      supplier: parameters.supplier,
      domain: parameters.domain,
      sessionParams: parameters.sessionParams,
      claimAfterBlocks: BigInt(parameters.claimAfterBlocks ?? 1),
      receiptTimeoutMs: parameters.receiptTimeoutMs ?? 60_000,
      pollingIntervalMs: parameters.pollingIntervalMs ?? 500,
      concurrency: parameters.concurrency ?? 32,
      serializeSend: (send) => {
        const result = this.#sending.then(send);
        this.#sending = result.catch(() => {});
        return result;
      },
      logger,
      book: new ClaimBook(parameters.store),
      missingProofPenalty: () => {
        this.#missingProofPenalty ??= parameters.publicClient
          .readContract({ address: parameters.settlement, abi: aviarySettlementAbi, functionName: "params" })
          .then((params) => params.missingProofPenalty);
        this.#missingProofPenalty.catch(() => {
          this.#missingProofPenalty = undefined;
        });
        return this.#missingProofPenalty;
      },
      mine: (session) => this.#mine(session),
      inFlight: new Map(),
      lastErrors: new Map(),
      emit: (event) => this.#emit(event),
      retry: ({ session, action, claimKey, error }) => {
        const message = describeError(error);
        context.lastErrors.set(action, message);
        logger.warn(
          { session: session?.toString(), action, claimKey, err: error },
          `${action} failed, retrying: ${message}`,
        );
        const event: LifecycleEvent = { type: "retry", action, message, error };
        if (session !== undefined) event.session = session;
        if (claimKey !== undefined) event.claimKey = claimKey;
        this.#emit(event);
      },
      fail: async (stage, state, reason) => {
        const failed: ClaimState = { ...state, status: "failed", error: reason, updatedAt: Date.now() };
        await context.book.put(failed);
        for (const action of ["claim", "prove", "settle"]) {
          context.inFlight.delete(`${action}:${state.claimKey}`);
          context.lastErrors.delete(`${action}:${state.claimKey}`);
        }
        logger.error(
          { session: state.session.toString(), claimKey: state.claimKey, stage, reason },
          `claim failed (${stage}): ${reason}`,
        );
        this.#emit({ type: "failed", session: state.session, claimKey: state.claimKey, stage, reason });
      },
    };
    this.#context = context;
  }

  /**
   * Advances every session to where block `blockNumber` allows. Resolves `false` without doing anything when
   * a tick is still running. Never throws: failures are logged, reported as `retry` events and retried.
   *
   * @param blockNumber - the head block.
   * @example
   * ```ts
   * await lifecycle.tick(await publicClient.getBlockNumber());
   * ```
   */
  async tick(blockNumber: bigint): Promise<boolean> {
    if (this.#busy || this.#stopped) return false;
    this.#busy = true;
    const running = (async () => {
      try {
        await this.#run(blockNumber);
      } catch (error) {
        this.#context.retry({ action: "tick", error });
      } finally {
        this.#busy = false;
      }
    })();
    this.#running = running;
    await running;
    return true;
  }

  /**
   * Lets the tick in progress finish (a transaction it sent is waited for) and ignores later ticks: call it
   * before closing the store. Idempotent.
   *
   * @example
   * ```ts
   * await watcher.stop();
   * await lifecycle.stop();
   * await store.close();
   * ```
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #run(blockNumber: bigint): Promise<void> {
    const context = this.#context;
    await context.book.load();
    const withRecords = new Set(await context.store.sessions());
    const sessions = [...new Set([...withRecords, ...context.book.openSessions()])].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const session of sessions) {
      const windows = sessionWindows(session, context.sessionParams);
      if (blockNumber < windows.claimStart) continue;
      try {
        const step = { session, blockNumber, windows };
        if (withRecords.has(session)) await claimSession(context, step);
        await proveSession(context, step);
        await settleSession(context, step);
        if (withRecords.has(session)) await this.#pruneWhenDone(session, blockNumber, windows);
      } catch (error) {
        context.retry({ session, action: `session:${session}`, error });
      }
    }
  }

  /** Prunes once the claim window is over and every mined claim of the session is settled or failed. */
  async #pruneWhenDone(session: bigint, blockNumber: bigint, windows: SessionWindows): Promise<void> {
    if (blockNumber < windows.claimEnd) return;
    const { book, store } = this.#context;
    const mined = await this.#mine(session);
    const done =
      mined.claims.every((claim) => {
        const state = book.get(claim.claimKey);
        return state !== undefined && isTerminalClaimStatus(state.status);
      }) && book.forSession(session).every((state) => isTerminalClaimStatus(state.status));
    if (!done) return;
    await store.prune(session);
    this.#mined.delete(session);
    this.#context.lastErrors.delete(`session:${session}`);
    this.#context.lastErrors.delete(`record-seed:${session}`);
    this.#context.lastErrors.delete(`collateral:${session}`);
    this.#context.logger.info({ session: session.toString() }, "session pruned");
    this.#emit({ type: "pruned", session });
  }

  #mine(session: bigint): Promise<MineSessionReturnType> {
    let mined = this.#mined.get(session);
    if (!mined) {
      mined = this.#mineNow(session);
      this.#mined.set(session, mined);
      mined.catch(() => this.#mined.delete(session));
    }
    return mined;
  }

  async #mineNow(session: bigint): Promise<MineSessionReturnType> {
    const { publicClient, settlement } = this.#context;
    // Stored by the session's first claim; before that, the hash of block M = E + g + 1, which `claim` will store.
    const { seed: miningSeed } = await getMiningSeed(publicClient, { settlement, session, preview: true });
    if (miningSeed === undefined) {
      const { miningSeedBlock } = sessionWindows(session, this.#context.sessionParams);
      throw new MiningSeedUnavailableError({ session, miningSeedBlock });
    }
    const mined = await mineSession({
      store: this.#context.store,
      session,
      miningSeed,
      domain: this.#context.domain,
      supplier: this.#context.supplier,
      probabilityOf: (model) => getMiningProbability(publicClient, { settlement, model, session }),
    });
    this.#emit({
      type: "mined",
      session,
      served: mined.served,
      mined: mined.mined,
      claims: mined.claims.length,
      skipped: mined.skipped,
    });
    const fields = {
      session: session.toString(),
      served: mined.served,
      mined: mined.mined,
      claims: mined.claims.length,
    };
    if (mined.skipped.length > 0)
      this.#context.logger.warn(
        { ...fields, skipped: mined.skipped.slice(0, 20) },
        `mined session; ${mined.skipped.length} records skipped`,
      );
    else this.#context.logger.info(fields, "mined session");
    return mined;
  }

  #emit(event: LifecycleEvent): void {
    if (!this.#onEvent) return;
    try {
      this.#onEvent(event);
    } catch (error) {
      this.#context.logger.warn({ err: error, event: event.type }, "onEvent threw");
    }
  }
}
