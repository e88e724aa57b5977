import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { ApplicationPool } from "./ApplicationPool.ts";

const first = "0x1111111111111111111111111111111111111111";
const second = "0x2222222222222222222222222222222222222222";

describe("ApplicationPool", () => {
  it("spends another application's budget when one runs low, and answers none when all are committed", async () => {
    const budgets: Record<string, bigint> = { [first]: 100n, [second]: 1000n };
    const pool = new ApplicationPool(
      [first, second],
      async (application: Address) => budgets[application.toLowerCase()] ?? 0n,
    );
    expect(await pool.reserve(7n, 80n)).toBe(first);
    expect(await pool.reserve(7n, 80n)).toBe(second); // the first cannot pay 80 more
    pool.settle(first, 7n, 80n, 10n); // served for less than its maxCost
    expect(await pool.reserve(7n, 80n)).toBe(first); // 10 + 80 ≤ 100 again
    expect(await pool.reserve(7n, 950n)).toBe(undefined); // nobody can pay 950 (the second has 920 left)
    expect(await pool.canPay(7n, 920n)).toBe(true);
    expect(await pool.reserve(7n, 920n)).toBe(second);
    expect(await pool.reserve(7n, 1n)).toBe(first);
    expect(await pool.canPay(7n, 100n)).toBe(false);
    // Budgets are per session: a new session starts from zero.
    expect(await pool.reserve(8n, 1000n)).toBe(second);
    expect(await pool.reserve(8n, 100n)).toBe(first);
  });

  it("skips an application whose budget cannot be read, and forgets old sessions", async () => {
    const pool = new ApplicationPool([first, second], async (application: Address) => {
      if (application.toLowerCase() === first) throw new Error("RPC down");
      return 50n;
    });
    expect(await pool.reserve(1n, 50n)).toBe(second);
    expect(await pool.reserve(1n, 1n)).toBe(undefined);
    pool.forgetBefore(2n);
    expect(await pool.reserve(1n, 50n)).toBe(second); // session 1's commitments were forgotten
  });
});
