import { seededRandom } from "@aviary/protocol";
import { describe, expect, it } from "vitest";
import type { Candidate } from "../../src/routing/Candidate.ts";
import { isAvailable } from "../../src/routing/isAvailable.ts";
import { isPriceWithin } from "../../src/routing/isPriceWithin.ts";
import type { ProviderOptionsInput } from "../../src/routing/providerOptions.ts";
import { rankCandidates } from "../../src/routing/rankCandidates.ts";
import type { RoutingStrategy } from "../../src/routing/routingStrategy.ts";
import { createSupplierStats, type SupplierStats } from "../../src/routing/SupplierStats.ts";
import { supplierIdMatcher } from "../../src/routing/supplierId.ts";

// The suite every routing strategy passes (like hono's `common.case.test.ts` for routers). Each strategy's
// test file calls `describeStrategyConformance`; strategy-specific behaviour is tested beside it.

// The strategies' tests draw their rankings from the protocol's seededRandom (mulberry32).
export { seededRandom };

/** An address made from a small number (`0x…0001`), for readable fixtures. */
export function testAddress(index: number): string {
  return `0x${index.toString(16).padStart(40, "0")}`;
}

/** A candidate with default prices (10 / 30 token wei) and fresh stats, overridable. */
export function testCandidate(
  index: number,
  overrides: { inputPrice?: bigint; outputPrice?: bigint; stats?: Partial<SupplierStats> } = {},
): Candidate {
  const address = testAddress(index);
  const endpoint = `https://supplier-${index}.example`;
  const stats = { ...createSupplierStats({ address, endpoint, now: 0 }), ...overrides.stats };
  return {
    address,
    endpoint,
    inputPrice: overrides.inputPrice ?? 10n,
    outputPrice: overrides.outputPrice ?? 30n,
    stats: { ...stats, probation: overrides.stats?.probation ?? stats.reputation < 30 },
  };
}

const NOW = 1_000_000;

/** Registers the conformance tests for `strategy` under `name`. */
export function describeStrategyConformance(name: string, strategy: RoutingStrategy): void {
  const rank = (candidates: Candidate[], provider?: ProviderOptionsInput, seed = 1) =>
    rankCandidates(candidates, { strategy, provider, now: NOW, random: seededRandom(seed) });
  const addresses = (list: { address: string }[]) => list.map((entry) => entry.address);

  describe(`routing strategy conformance: ${name}`, () => {
    const five = [1, 2, 3, 4, 5].map((index) =>
      testCandidate(index, {
        inputPrice: BigInt(index * 10),
        outputPrice: BigInt(index * 20),
        stats: { reputation: 100 - index * 3, ttftEwmaMs: 100 * index, tokensPerSecondEwma: 100 / index },
      }),
    );

    it("test_rank_noCandidates_returnsEmpty", () => {
      expect(rank([])).toEqual({ ranked: [], excluded: [] });
      expect(rank([], { order: [testAddress(1)], allow_fallbacks: false })).toEqual({
        ranked: [],
        excluded: [],
      });
    });

    it("test_rank_oneCandidate_returnsIt", () => {
      const only = testCandidate(1);
      expect(rank([only])).toEqual({ ranked: [only], excluded: [] });
      expect(rank([only], { ignore: [only.address] }).ranked).toEqual([]);
    });

    it("test_rank_everyCandidate_rankedOrExcluded", () => {
      const { ranked, excluded } = rank(five, {
        ignore: [testAddress(1)],
        max_price: { prompt: 40 },
      });
      expect([...addresses(ranked), ...addresses(excluded)].sort()).toEqual(addresses(five).sort());
      expect(excluded.map((entry) => entry.code).sort()).toEqual(["ignored", "max-price"]);
      for (const entry of excluded) expect(entry.reason).not.toBe("");
    });

    it("test_rank_ignore_neverReturnsIgnoredByAddressOrEndpoint", () => {
      const { ranked } = rank(five, {
        ignore: [testAddress(2).toUpperCase().replace("0X", "0x"), "HTTPS://Supplier-3.example/"],
        order: [testAddress(2), testAddress(3)],
        only: [testAddress(2), testAddress(3), testAddress(4)],
      });
      expect(addresses(ranked)).toEqual([testAddress(4)]);
    });

    it("test_rank_only_returnsOnlyListed", () => {
      const { ranked, excluded } = rank(five, { only: [testAddress(5), "https://supplier-1.example"] });
      expect(addresses(ranked).sort()).toEqual([testAddress(1), testAddress(5)]);
      expect(excluded.every((entry) => entry.code === "not-in-only")).toBe(true);
    });

    it("test_rank_maxPrice_excludesAboveEitherCeiling", () => {
      const { ranked, excluded } = rank(five, { max_price: { prompt: "35.5", completion: 60 } });
      expect(addresses(ranked).sort()).toEqual([testAddress(1), testAddress(2), testAddress(3)]);
      expect(excluded.map((entry) => entry.address).sort()).toEqual([testAddress(4), testAddress(5)]);
      expect(excluded[0]?.reason).toMatch(/max_price/);
    });

    it("test_rank_order_listedFirstInThatOrder_thenTheRest", () => {
      const { ranked } = rank(five, { order: [testAddress(4), "https://supplier-2.example/"] });
      expect(addresses(ranked).slice(0, 2)).toEqual([testAddress(4), testAddress(2)]);
      expect(ranked).toHaveLength(5);
    });

    it("test_rank_orderWithoutFallbacks_onlyListed", () => {
      const { ranked, excluded } = rank(five, {
        order: [testAddress(4), testAddress(2)],
        allow_fallbacks: false,
      });
      expect(addresses(ranked)).toEqual([testAddress(4), testAddress(2)]);
      expect(excluded).toHaveLength(3);
      expect(excluded.every((entry) => entry.code === "not-in-order")).toBe(true);
    });

    it("test_rank_noFallbacksWithoutOrder_onlyPrimary", () => {
      const { ranked, excluded } = rank(five, { allow_fallbacks: false });
      expect(ranked).toHaveLength(1);
      expect(excluded).toHaveLength(4);
      expect(excluded.every((entry) => entry.code === "not-primary")).toBe(true);
      expect(ranked[0]).toBe(rank(five).ranked[0]);
    });

    it("test_rank_cooledDown_goLast_notDropped", () => {
      const cooling = five.map((candidate, index) =>
        index < 2
          ? { ...candidate, stats: { ...candidate.stats, cooldownUntil: NOW + 1_000 * (2 - index) } }
          : candidate,
      );
      const { ranked } = rank(cooling, { order: [testAddress(1)] });
      expect(ranked).toHaveLength(5);
      expect(addresses(ranked.slice(3)).sort()).toEqual([testAddress(1), testAddress(2)]);
      // Named in order first among the cooling ones.
      expect(ranked[3]?.address).toBe(testAddress(1));
      // All cooling: still returned, soonest end of cooldown first.
      const allCooling = rank(
        five.map((candidate, index) => ({
          ...candidate,
          stats: { ...candidate.stats, cooldownUntil: NOW + 10_000 - index },
        })),
      ).ranked;
      expect(addresses(allCooling)).toEqual(addresses([...five].reverse()));
    });

    it("test_rank_probation_lastResortUnlessSampled", () => {
      const withProbation = five.map((candidate, index) =>
        index === 0
          ? { ...candidate, stats: { ...candidate.stats, reputation: 10, probation: true } }
          : candidate,
      );
      const notSampled = rankCandidates(withProbation, { strategy, now: NOW, random: () => 0.999 });
      expect(notSampled.ranked.at(-1)?.address).toBe(testAddress(1));
      const sampled = rankCandidates(withProbation, { strategy, now: NOW, random: () => 0 });
      expect(sampled.ranked[0]?.address).toBe(testAddress(1));
      expect(sampled.ranked).toHaveLength(5);
    });

    it("test_rank_sort_overridesStrategy", () => {
      expect(rank(five, { sort: "price" }).ranked[0]?.address).toBe(testAddress(1));
      expect(rank(five, { sort: "latency" }).ranked[0]?.address).toBe(testAddress(1));
      expect(rank(five, { sort: "throughput" }).ranked[0]?.address).toBe(testAddress(1));
      const cheapLast = five.map((candidate, index) => ({
        ...candidate,
        inputPrice: BigInt(100 - index),
        outputPrice: BigInt(100 - index),
      }));
      expect(rank(cheapLast, { sort: "price" }).ranked[0]?.address).toBe(testAddress(5));
    });

    it("test_rank_fixedRandom_isDeterministic", () => {
      for (let seed = 0; seed < 20; seed++) {
        expect(addresses(rank(five, undefined, seed).ranked)).toEqual(
          addresses(rank(five, undefined, seed).ranked),
        );
      }
    });

    it("test_fuzz_rank_invariants", () => {
      const random = seededRandom(42);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
      for (let run = 0; run < 300; run++) {
        const count = Math.floor(random() * 9);
        const candidates = Array.from({ length: count }, (_, index) =>
          testCandidate(index + 1, {
            inputPrice: BigInt(Math.floor(random() * 50)),
            outputPrice: BigInt(Math.floor(random() * 50)),
            stats: {
              reputation: Math.floor(random() * 101),
              cooldownUntil: random() < 0.3 ? NOW + Math.floor(random() * 5_000) : 0,
              ttftEwmaMs: random() < 0.3 ? null : random() * 2_000,
              tokensPerSecondEwma: random() < 0.3 ? null : random() * 200,
              errorRateEwma: random(),
            },
          }),
        );
        const ids = (probability: number) =>
          candidates
            .filter(() => random() < probability)
            .map((candidate) =>
              random() < 0.5 ? candidate.address.toUpperCase().replace("0X", "0x") : candidate.endpoint,
            );
        const provider: ProviderOptionsInput = {};
        if (random() < 0.3) provider.ignore = ids(0.3);
        if (random() < 0.3) provider.only = ids(0.7);
        if (random() < 0.4) provider.order = ids(0.4);
        if (random() < 0.3)
          provider.max_price = { prompt: Math.floor(random() * 50), completion: `${random() * 50}` };
        if (random() < 0.3) provider.allow_fallbacks = false;
        if (random() < 0.2) provider.sort = pick(["price", "latency", "throughput"] as const);
        const seed = Math.floor(random() * 1e9);
        const result = rank(candidates, provider, seed);
        const { ranked, excluded } = result;

        // Deterministic.
        expect(rank(candidates, provider, seed)).toEqual(result);
        // Nothing dropped, nothing twice.
        expect([...addresses(ranked), ...addresses(excluded)].sort()).toEqual(addresses(candidates).sort());
        const ignore = supplierIdMatcher(provider.ignore ?? []);
        const only = provider.only ? supplierIdMatcher(provider.only) : null;
        const order = provider.order ? supplierIdMatcher(provider.order) : null;
        const passes = (candidate: Candidate) =>
          ignore.indexOf(candidate) < 0 &&
          (!only || only.indexOf(candidate) >= 0) &&
          (provider.max_price?.prompt === undefined ||
            isPriceWithin(candidate.inputPrice, provider.max_price.prompt)) &&
          (provider.max_price?.completion === undefined ||
            isPriceWithin(candidate.outputPrice, provider.max_price.completion)) &&
          (!order || provider.allow_fallbacks !== false || order.indexOf(candidate) >= 0);
        // Filters respected; every filtered-in candidate ranked (but for the primary-only case).
        for (const candidate of ranked) expect(passes(candidate)).toBe(true);
        const passing = candidates.filter(passes);
        if (provider.allow_fallbacks === false && !order)
          expect(ranked).toHaveLength(Math.min(1, passing.length));
        else expect(ranked).toHaveLength(passing.length);
        // Cooled-down last; named-in-order first, in that order.
        const availability = ranked.map((candidate) => isAvailable(candidate.stats, NOW));
        expect(availability).toEqual([...availability].sort((a, b) => Number(b) - Number(a)));
        if (order) {
          const available = ranked.filter((candidate) => isAvailable(candidate.stats, NOW));
          const positions = available.map((candidate) => order.indexOf(candidate));
          const listedCount = positions.filter((position) => position >= 0).length;
          expect(positions.slice(0, listedCount).every((position) => position >= 0)).toBe(true);
          const listed = positions.slice(0, listedCount);
          expect(listed).toEqual([...listed].sort((a, b) => a - b));
        }
        // Probation after healthy among the available unlisted, except one sampled in front.
        const unlisted = ranked.filter(
          (candidate) => isAvailable(candidate.stats, NOW) && (order?.indexOf(candidate) ?? -1) < 0,
        );
        const probation = unlisted.slice(1).map((candidate) => candidate.stats.probation);
        expect(probation).toEqual([...probation].sort((a, b) => Number(a) - Number(b)));
      }
    });
  });
}
