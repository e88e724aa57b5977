import { describe, expect, it } from "vitest";
import { seededRandom, testAddress } from "../../test/routing/routing.conformance.ts";
import { planAttempts } from "./planAttempts.ts";
import { rankCandidates } from "./rankCandidates.ts";
import { routingStrategySchema } from "./routingStrategy.ts";
import { SupplierStatsBook } from "./SupplierStatsBook.ts";

describe("rankCandidates", () => {
  it("test_rank_withBook_failingSupplierLosesTraffic_thenWinsItBack", () => {
    const book = new SupplierStatsBook();
    const suppliers = [1, 2, 3].map((index) => ({
      address: testAddress(index),
      endpoint: `https://supplier-${index}.example`,
      inputPrice: 10n,
      outputPrice: 30n,
    }));
    const random = seededRandom(3);
    const firstCounts = (now: number, runs: number) => {
      const counts = [0, 0, 0];
      for (let run = 0; run < runs; run++) {
        const candidates = suppliers.map((supplier) => ({
          ...supplier,
          stats: book.statsFor(supplier, now),
        }));
        const [first] = planAttempts(
          rankCandidates(candidates, { strategy: { type: "quality-price" }, now, random }).ranked,
        );
        const index = suppliers.findIndex((supplier) => supplier.address === first?.address);
        counts[index] = (counts[index] ?? 0) + 1;
      }
      return counts;
    };
    let now = 0;
    // Supplier 1 answers 5xx twice: reputation 30, cooling down 2 s.
    book.recordFailure(suppliers[0] as (typeof suppliers)[0], { kind: "5xx", now });
    book.recordFailure(suppliers[0] as (typeof suppliers)[0], { kind: "5xx", now });
    expect(firstCounts(now, 300)[0]).toBe(0);
    // After the cooldown, reputation 30 against 80: out of the weighted pool, still the third choice.
    now = 2_000;
    expect(firstCounts(now, 300)[0]).toBe(0);
    // Successes (e.g. as third attempt or after audits pass) bring it back into the pool.
    for (let index = 0; index < 40; index++)
      book.recordSuccess(suppliers[0] as (typeof suppliers)[0], { latencyMs: 100, now });
    const counts = firstCounts(now, 600);
    expect(counts[0]).toBeGreaterThan(100);
  });

  it("test_rank_invalidParameters_throw", () => {
    const base = { now: 0, random: () => 0 };
    expect(() =>
      rankCandidates([], { ...base, strategy: { type: "quality-price", priceWeight: -1 } }),
    ).toThrow(/priceWeight/);
    expect(() =>
      rankCandidates([], {
        ...base,
        strategy: { type: "price" },
        expectedUsage: { inputTokens: Number.NaN, outputTokens: 1 },
      }),
    ).toThrow(/expectedUsage.inputTokens/);
  });
});

describe("routingStrategySchema", () => {
  it("test_schema_parsesEachVariant_refusesUnknown", () => {
    expect(routingStrategySchema.parse({ type: "quality-price", priceWeight: 0.5 })).toEqual({
      type: "quality-price",
      priceWeight: 0.5,
    });
    expect(routingStrategySchema.parse({ type: "order", order: [testAddress(1)] }).type).toBe("order");
    expect(routingStrategySchema.safeParse({ type: "fastest" }).success).toBe(false);
    expect(routingStrategySchema.safeParse({ type: "quality-price", priceWeight: 9 }).success).toBe(false);
  });
});
