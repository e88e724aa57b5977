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
  it("test_admitRelay_admitted_reservesThePlansWorstCase", async () => {
    const { store, pool, admitted } = fakes({ allowed: true, windowStart: 7 }, 10_000n);
    const admission = await admitRelay({
      store,
      pool,
      key,
      prepared,
      session: 1n,
      plan: [candidate(1n), candidate(3n)],
    });
    expect(admission).toEqual({
      admitted: true,
      reservation: { tokens: 100, costWei: 300n, windowStart: 7 },
    });
    expect(admitted).toEqual([{ tokens: 100, cost: 300n }]);
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
    const budget = fakes({ allowed: false, reason: "budget", retryAfterMs: 0, limit: "1000 wei" }, 10_000n);
    const refused = await admitRelay({ ...budget, key, prepared, session: 1n, plan: [candidate(1n)] });
    expect(refused.admitted === false && refused.response.status).toBe(402);
    const rate = fakes({ allowed: false, reason: "requests", retryAfterMs: 1_500, limit: "2 rpm" }, 10_000n);
    const limited = await admitRelay({ ...rate, key, prepared, session: 1n, plan: [candidate(1n)] });
    expect(limited.admitted === false && limited.response.status).toBe(429);
    expect(limited.admitted === false && limited.response.headers.get("retry-after")).toBe("2");
  });
});
