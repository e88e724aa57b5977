import {
  aviaryRegistryAbi,
  pendingSessions,
  type SessionParams,
  sessionBudget,
  sessionOf,
} from "@aviary/protocol";
import { getSupplierOffer } from "@aviary/sdk";
import type { Address, Hex, PublicClient } from "viem";

export type Offer = { active: boolean; inputPrice: bigint; outputPrice: bigint };

export type ChainViewParameters = {
  publicClient: PublicClient;
  registry: Address;
  supplier: Address;
  sessionParams: SessionParams;
};

/**
 * What the relay hot path needs from the chain, cached: the head block (fed by the node's block watcher, and
 * refreshed from the chain near a session's serving end, see `refreshHead`), and per session the supplier's
 * offers, each application's budget and delegations. All of these are fixed once a session has started (the
 * registry keeps history), so a cached answer never goes stale; entries of sessions that can no longer be
 * served are dropped. Concurrent misses share one RPC call.
 */
export class ChainView {
  #head = 0n;
  #refreshing: Promise<bigint> | undefined;
  readonly #cache = new Map<string, { session: bigint; value: Promise<unknown> }>();
  readonly #parameters: ChainViewParameters;
  readonly #pending: bigint;

  constructor(parameters: ChainViewParameters) {
    this.#parameters = parameters;
    this.#pending = pendingSessions(parameters.sessionParams);
  }

  /** Reads the head once; afterwards the node's block watcher feeds it through `setHead`. */
  async start(): Promise<void> {
    this.#head = await this.#parameters.publicClient.getBlockNumber({ cacheTime: 0 });
  }

  /** The latest block number seen. */
  get head(): bigint {
    return this.#head;
  }

  /**
   * Reads the head from the chain now (not the block watcher's last poll) and keeps it if it is newer. Called
   * before serving a session whose serving end is near (`servingRefreshFrom`), so that a lagging view cannot
   * serve it late (protocol.md §3). Concurrent calls share one RPC call.
   *
   * @example
   * ```ts
   * const head = await chain.refreshHead();
   * if (!isServable(session, head, sessionParams)) refuse("session_expired");
   * ```
   */
  refreshHead(): Promise<bigint> {
    this.#refreshing ??= this.#parameters.publicClient
      .getBlockNumber({ cacheTime: 0 })
      .then((head) => {
        if (head > this.#head) this.#onHead(head);
        return this.#head;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  get currentSession(): bigint {
    return sessionOf(this.#head, this.#parameters.sessionParams);
  }

  get pendingSessions(): bigint {
    return this.#pending;
  }

  /** The supplier's offer for `model` effective in `session`. */
  offer(model: Hex, session: bigint): Promise<Offer> {
    return this.#cached(`offer:${model}:${session}`, session, async () => {
      const { active, inputPrice, outputPrice } = await getSupplierOffer(this.#parameters.publicClient, {
        registry: this.#parameters.registry,
        supplier: this.#parameters.supplier,
        model,
        session,
      });
      return { active, inputPrice, outputPrice };
    });
  }

  /**
   * The application's budget for `session`: stake at the session's start / `pendingSessions` (protocol.md §7;
   * devnet 3, the sessions whose claims can be unsettled at once).
   */
  budget(application: Address, session: bigint): Promise<bigint> {
    return this.#cached(`budget:${application}:${session}`, session, async () => {
      const stake = await this.#parameters.publicClient.readContract({
        address: this.#parameters.registry,
        abi: aviaryRegistryAbi,
        functionName: "applicationStakeAt",
        args: [application, session],
      });
      return sessionBudget(stake, this.#pending);
    });
  }

  /** Whether `application` delegated to `gateway` as of `session`. */
  isDelegated(application: Address, gateway: Address, session: bigint): Promise<boolean> {
    return this.#cached(`delegated:${application}:${gateway}:${session}`, session, () =>
      this.#parameters.publicClient.readContract({
        address: this.#parameters.registry,
        abi: aviaryRegistryAbi,
        functionName: "isDelegatedAt",
        args: [application, gateway, session],
      }),
    );
  }

  /** Sets the head: called by the node's block watcher on every new block. */
  setHead(head: bigint): void {
    if (head !== this.#head) this.#onHead(head);
  }

  #onHead(head: bigint): void {
    const previousSession = this.currentSession;
    this.#head = head;
    if (this.currentSession !== previousSession) {
      // Sessions before the previous one can no longer be served: forget them.
      for (const [key, entry] of this.#cache) {
        if (entry.session + 1n < this.currentSession) this.#cache.delete(key);
      }
    }
  }

  #cached<T>(key: string, session: bigint, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit) return hit.value as Promise<T>;
    const value = load();
    this.#cache.set(key, { session, value });
    // A failed read is not remembered: the next relay asks again.
    value.catch(() => this.#cache.delete(key));
    return value;
  }
}
