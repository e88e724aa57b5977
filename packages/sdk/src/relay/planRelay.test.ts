import { type Address, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import type { SupplierCandidateInfo } from "../discovery/discoverSuppliers.ts";
import { ChainReadError, NoEligibleSupplierError, NoSupplierError } from "../errors.ts";
import { SupplierStatsBook } from "../routing/index.ts";
import { planRelay } from "./planRelay.ts";
import { SupplierDistrust } from "./SupplierDistrust.ts";

const supplier = (index: number, price = 10n): SupplierCandidateInfo => ({
  address: `0x${String(index).padStart(40, "0")}` as Address,
  endpoint: `http://127.0.0.1:${9000 + index}`,
  operator: `0x${String(index + 50).padStart(40, "0")}` as Address,
  inputPrice: price,
  outputPrice: price,
});
const prepared = {
  model: "m",
  modelId: keccak256(toHex("m")),
  provider: undefined,
  inputUnits: 10n,
  outputUnits: 10n,
};
const directoryOf = (bySession: Record<string, SupplierCandidateInfo[]>) => ({
  get: async (_model: string, session: bigint) => bySession[String(session)] ?? [],
});
const common = { book: new SupplierStatsBook(), strategy: { type: "price" as const }, random: () => 0 };

describe("planRelay", () => {
  it("test_planRelay_laggedSessionFirst_thenTheHeads", async () => {
    const both = directoryOf({ "4": [supplier(1)], "5": [supplier(2)] });
    expect((await planRelay({ ...common, prepared, sessions: [4n, 5n], directory: both })).session).toBe(4n);
    const onlyHead = directoryOf({ "5": [supplier(2)] });
    const planned = await planRelay({ ...common, prepared, sessions: [4n, 5n], directory: onlyHead });
    expect(planned.session).toBe(5n);
    expect(planned.plan.map((candidate) => candidate.address)).toEqual([supplier(2).address]);
    // The signer cannot pay in the lagged session (no delegation yet): the head's.
    const unsigned = await planRelay({
      ...common,
      prepared,
      sessions: [4n, 5n],
      directory: both,
      canSign: (session) => session !== 4n,
    });
    expect(unsigned.session).toBe(5n);
  });

  it("test_planRelay_nobody_throwsNoSupplierOrNoEligible", async () => {
    await expect(
      planRelay({ ...common, prepared, sessions: [4n], directory: directoryOf({}) }),
    ).rejects.toThrow(NoSupplierError);
    await expect(
      planRelay({
        ...common,
        prepared: { ...prepared, provider: { allow_fallbacks: true, max_price: { completion: "1" } } },
        sessions: [4n],
        directory: directoryOf({ "4": [supplier(1)] }),
      }),
    ).rejects.toThrow(NoEligibleSupplierError);
    await expect(
      planRelay({
        ...common,
        prepared,
        sessions: [4n],
        directory: { get: async () => Promise.reject(new Error("rpc down")) },
      }),
    ).rejects.toThrow(ChainReadError);
  });

  it("test_planRelay_distrusted_onlyALastResort_evenWhenOrderedFirst", async () => {
    const distrust = new SupplierDistrust({ distrustMs: 60_000 });
    const directory = directoryOf({ "4": [supplier(1), supplier(2), supplier(3)] });
    const liar = supplier(1).address;
    distrust.distrust(liar.toUpperCase());
    const planned = await planRelay({
      ...common,
      prepared: { ...prepared, provider: { allow_fallbacks: true, order: [liar] } },
      sessions: [4n],
      directory,
      distrust,
      maxAttempts: 3,
    });
    expect(planned.plan.at(-1)?.address).toBe(liar);
    expect(planned.plan).toHaveLength(3);
    // Alone, it is still tried: better a supplier to check than none.
    const alone = await planRelay({
      ...common,
      prepared,
      sessions: [4n],
      directory: directoryOf({ "4": [supplier(1)] }),
      distrust,
    });
    expect(alone.plan.map((candidate) => candidate.address)).toEqual([liar]);
    // The verdict expires.
    expect(distrust.isDistrusted(liar, Date.now() + 61_000)).toBe(false);
  });
});
