// The fixtures and per-test bookkeeping the GatewayStore conformance suites share.
import { afterEach } from "vitest";
import type { GatewayStore } from "../../src/store/GatewayStore.ts";

/** One store under test and what the suites need to exercise it. */
export type GatewayStoreConformanceFixture = {
  /** A store over a fresh, empty database (with the default reservation TTL); the suite calls `migrate()`. */
  store: GatewayStore;
  /** Opens another replica over the same database (the suite migrates and closes it). Omit when impossible (`:memory:`). */
  second?: () => Promise<GatewayStore>;
  /** Everything the database holds, as text (raw bytes or a dump), to check no plaintext key is stored. */
  rawContents?: () => Promise<string>;
  /** Removes the database; called after the suite closed every store. */
  cleanup(): Promise<void>;
};

/** Makes a fresh fixture for each test. */
export type MakeGatewayStoreFixture = () => Promise<GatewayStoreConformanceFixture>;

/**
 * Inside a `describe`: `setUp()` makes and migrates a fresh fixture, `replica(fixture)` opens and migrates
 * another replica; after each test, every store is closed and every fixture cleaned up.
 *
 * @example
 * ```ts
 * const { setUp } = useConformanceStores(makeStore);
 * test("…", async () => { const { store } = await setUp(); });
 * ```
 */
export function useConformanceStores(makeStore: MakeGatewayStoreFixture) {
  const stores: GatewayStore[] = [];
  const fixtures: GatewayStoreConformanceFixture[] = [];

  async function setUp() {
    const fixture = await makeStore();
    fixtures.push(fixture);
    stores.push(fixture.store);
    await fixture.store.migrate();
    return { fixture, store: fixture.store };
  }

  async function replica(fixture: GatewayStoreConformanceFixture): Promise<GatewayStore> {
    if (!fixture.second) throw new Error("no second replica");
    const store = await fixture.second();
    stores.push(store);
    await store.migrate();
    return store;
  }

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  return { setUp, replica };
}
