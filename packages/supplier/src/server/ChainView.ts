import {
  aviaryRegistryAbi,
  pendingSessions,
  type SessionParams,
  sessionBudget,
  sessionOf,
} from "@aviary/protocol";
import { getSupplierOffer } from "@aviary/sdk";
import { type Address, getAddress, type Hex, type PublicClient } from "viem";

/** Offers, budgets and per-signer delegation answers kept at most (oldest dropped first). */
const maxCacheEntries = 100_000;

export type Offer = { active: boolean; inputPrice: bigint; outputPrice: bigint };

export type ChainViewParameters = {
  publicClient: PublicClient;
  registry: Address;
  supplier: Address;
  sessionParams: SessionParams;
  /** Applications whose delegate sets are kept (each ≤ `maxDelegates` addresses). @default 10000 */
  maxApplications?: number;
};

/**
 * What the relay hot path needs from the chain, cached: the head block (fed by the node's block watcher, and
 * refreshed from the chain near a session's serving end, see `refreshHead`), and per session the supplier's
 * offers, each application's budget and its delegate set (one read per application and session, so relays
 * signed by keys nobody delegated to cost no RPC call each). All of these are fixed once a session has started
 * (the registry keeps history), so a cached answer never goes stale; entries of sessions that can no longer be
 * served are dropped, and the caches are bounded. Concurrent misses share one RPC call.
 */
export class ChainView {
  #head = 0n;
  #refreshing: Promise<bigint> | undefined;
  readonly #cache = new Map<string, { session: bigint; value: Promise<unknown> }>();
  /** Delegate sets by `application:session`, least recently used first. */
  readonly #delegateSets = new Map<
    string,
    { session: bigint; value: Promise<ReadonlySet<Address> | undefined> }
  >();
  readonly #maxApplications: number;
  readonly #parameters: ChainViewParameters;
  readonly #pending: bigint;

  constructor(parameters: ChainViewParameters) {
    this.#parameters = parameters;
    this.#pending = pendingSessions(parameters.sessionParams);
    this.#maxApplications = parameters.maxApplications ?? 10_000;
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

  /**
   * Whether `application` delegated to `gateway` as of `session`, the verdict of the registry's
   * `isDelegatedAt`. Answered from the session's delegate set ({@link ChainView.delegates}): one chain read
   * per (application, session), however many signers relays name, so a flood of relays signed by random keys
   * costs no RPC call each. Where the node has no state that old, falls back to `isDelegatedAt` for this
   * signer (cached per signer too).
   *
   * @example
   * ```ts
   * if (signer !== application && !(await chain.isDelegated(application, signer, session))) refuse();
   * ```
   */
  async isDelegated(application: Address, gateway: Address, session: bigint): Promise<boolean> {
    const delegates = await this.delegates(application, session);
    if (delegates) return delegates.has(gateway);
    try {
      return await this.#cached(`delegated:${application}:${gateway}:${session}`, session, () =>
        this.#parameters.publicClient.readContract({
          address: this.#parameters.registry,
          abi: aviaryRegistryAbi,
          functionName: "isDelegatedAt",
          args: [application, gateway, session],
        }),
      );
    } catch (error) {
      // The chain is down rather than short of history: read the set again next time.
      this.#delegateSets.delete(`${application}:${session}`);
      throw error;
    }
  }

  /**
   * The exact set of gateways `application` delegated to in `session` (checksummed addresses), or
   * `undefined` when the chain cannot answer it (a node without state that old; then ask `isDelegatedAt`).
   *
   * A delegation or undelegation made in session s − 1 applies from s (AviaryRegistry `delegate` /
   * `undelegate`), so the set of session s is `delegatesOf(application)` as of the last block before s starts,
   * `s · sessionBlocks − 1`; session 0 has none. At most `maxDelegates` entries. Cached like the offers,
   * and for at most `maxApplications` applications (least recently used dropped first).
   */
  async delegates(application: Address, session: bigint): Promise<ReadonlySet<Address> | undefined> {
    const key = `${application}:${session}`;
    const hit = this.#delegateSets.get(key);
    if (hit) {
      // Most recently used last.
      this.#delegateSets.delete(key);
      this.#delegateSets.set(key, hit);
      return hit.value;
    }
    const value = this.#readDelegates(application, session);
    this.#delegateSets.set(key, { session, value });
    if (this.#delegateSets.size > this.#maxApplications) {
      const oldest = this.#delegateSets.keys().next().value;
      if (oldest !== undefined) this.#delegateSets.delete(oldest);
    }
    return value;
  }

  async #readDelegates(application: Address, session: bigint): Promise<ReadonlySet<Address> | undefined> {
    if (session === 0n) return new Set();
    try {
      const delegates = await this.#parameters.publicClient.readContract({
        address: this.#parameters.registry,
        abi: aviaryRegistryAbi,
        functionName: "delegatesOf",
        args: [application],
        blockNumber: session * BigInt(this.#parameters.sessionParams.sessionBlocks) - 1n,
      });
      return new Set(delegates.map((delegate) => getAddress(delegate)));
    } catch {
      // No state at that block (a pruned node), or the chain is down: the caller asks `isDelegatedAt`, whose
      // own failure it reports. Remembered for the session, so a pruned node does not ask twice.
      return undefined;
    }
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
      for (const [key, entry] of this.#delegateSets) {
        if (entry.session + 1n < this.currentSession) this.#delegateSets.delete(key);
      }
    }
  }

  #cached<T>(key: string, session: bigint, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit) return hit.value as Promise<T>;
    const value = load();
    this.#cache.set(key, { session, value });
    if (this.#cache.size > maxCacheEntries) {
      // Bounded against relays naming ever new applications (or signers, on a node without history).
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    // A failed read is not remembered: the next relay asks again.
    value.catch(() => this.#cache.delete(key));
    return value;
  }
}
