import { RelayBodyInvalidError } from "@aviary/sdk";
import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import type { ApiKeyRecord, RateLimitDecision } from "../store/GatewayStore.ts";
import { admitRelay } from "./admitRelay.ts";

const key = { id: "key-1" } as ApiKeyRecord;
const candidate = (price: bigint) => ({
  address: "0x00000000000000000000000000000000000000aa" as Address,
  endpoint: "http://127.0.0.1:1",
  operator: "0x00000000000000000000000000000000000000bb" as Address,
  inputPrice: price,
  outputPrice: price,
  stats: {} as never,
});
const prepared = { route: "chat/completions" as const, inputUnits: 10n, outputUnits: 90n };

function fakes(decision: RateLimitDecision, largestBudget: bigint) {
  const admitted: { tokens: number; cost: bigint }[] = [];
  return {
    admitted,
    store: {
      admit: async (_key: string, tokens: number, cost: bigint) => {
        admitted.push({ tokens, cost });
        return decision;
      },
    },
    pool: { largestBudget: async () => largestBudget },
  };
}

describe("admitRelay", () => {
  it("test_admitRelay_admitted_reservesTheFirstAttemptNotTheWorstCase", async () => {
    const { store, pool, admitted } = fakes({ allowed: true, windowStart: 7 }, 10_000n);
    const plan = [candidate(1n), candidate(3n)];
    const admission = await admitRelay({ store, pool, key, prepared, session: 1n, plan });
    expect(admission).toEqual({
      admitted: true,
      reservation: { tokens: 100, costWei: 100n, windowStart: 7 },
      plan,
    });
    expect(admitted).toEqual([{ tokens: 100, cost: 100n }]);
  });

  it("test_admitRelay_budgetCoversOnlyTheCheapest_admittedForIt_affordableFirst", async () => {
    const admitted: bigint[] = [];
    const store = {
      // 250 wei left: the pricier first supplier (300) is refused, the cheapest (100) admitted.
      admit: async (_key: string, _tokens: number, cost: bigint): Promise<RateLimitDecision> => {
        admitted.push(cost);
        return cost <= 250n
          ? { allowed: true, windowStart: 7 }
          : {
              allowed: false,
              reason: "budget",
              retryAfterMs: 0,
              limit: "budget 1000 wei",
              remainingWei: 250n,
            };
      },
    };
    const pricey = { ...candidate(3n), address: "0x00000000000000000000000000000000000000cc" as Address };
    const cheap = candidate(1n);
    const admission = await admitRelay({
      store,
      pool: { largestBudget: async () => 10_000n },
      key,
      prepared,
      session: 1n,
      plan: [pricey, cheap],
    });
    expect(admitted).toEqual([300n, 100n]);
    expect(admission).toEqual({
      admitted: true,
      reservation: { tokens: 100, costWei: 100n, windowStart: 7 },
      plan: [cheap, pricey],
    });
  });

  it("test_admitRelay_budgetBelowTheCheapest_402SaysTheCostAndWhatIsLeft", async () => {
    const budget = fakes(
      { allowed: false, reason: "budget", retryAfterMs: 0, limit: "budget 1000 wei", remainingWei: 40n },
      10_000n,
    );
    const refused = await admitRelay({
      ...budget,
      key,
      prepared,
      session: 1n,
      plan: [candidate(3n), candidate(1n)],
    });
    expect(refused.admitted).toBe(false);
    if (refused.admitted) return;
    expect(refused.response.status).toBe(402);
    const body = (await refused.response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("insufficient_quota");
    expect(body.error.message).toContain("could cost up to 100 token wei even at the cheapest supplier");
    expect(body.error.message).toContain("40 token wei of its budget 1000 wei");
    expect(budget.admitted.map((entry) => entry.cost)).toEqual([300n, 100n]);
  });

  it("test_admitRelay_cheapestAboveEveryBudget_400MaxTokensTooLarge_keyUntouched", async () => {
    const { store, pool, admitted } = fakes({ allowed: true, windowStart: 7 }, 99n);
    const error = await admitRelay({
      store,
      pool,
      key,
      prepared,
      session: 1n,
      plan: [candidate(1n), candidate(3n)],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RelayBodyInvalidError);
    expect(error).toMatchObject({ code: "max_tokens_too_large", param: "max_tokens" });
    expect(admitted).toEqual([]);
    // The cheapest candidate fits: signing may still fail later (503), but the request itself is payable.
    const fits = fakes({ allowed: true, windowStart: 7 }, 100n);
    expect(
      (await admitRelay({ ...fits, key, prepared, session: 1n, plan: [candidate(1n), candidate(3n)] }))
        .admitted,
    ).toBe(true);
  });

  it("test_admitRelay_keyRefusals_402And429WithRetryAfter", async () => {
    const budget = fakes(
      { allowed: false, reason: "budget", retryAfterMs: 0, limit: "budget 1000 wei", remainingWei: 0n },
      10_000n,
    );
    const refused = await admitRelay({ ...budget, key, prepared, session: 1n, plan: [candidate(1n)] });
    expect(refused.admitted === false && refused.response.status).toBe(402);
    const rate = fakes({ allowed: false, reason: "requests", retryAfterMs: 1_500, limit: "2 rpm" }, 10_000n);
    const limited = await admitRelay({ ...rate, key, prepared, session: 1n, plan: [candidate(1n)] });
    expect(limited.admitted === false && limited.response.status).toBe(429);
    expect(limited.admitted === false && limited.response.headers.get("retry-after")).toBe("2");
  });
});
