import { describe, expect, it } from "vitest";
import { applyRegistryLog, type RegistryLog, type StakeRefresh } from "./applyRegistryLog.ts";
import { applySettlementLog, type SettlementLog } from "./applySettlementLog.ts";
import { createExplorerState } from "./createExplorerState.ts";

const supplier = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const application = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const reporter = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const claimKey = `0x${"c1".repeat(32)}` as const;
const sumRelayKey = `0x${"a1".repeat(32)}` as const;
const countRelayKey = `0x${"b2".repeat(32)}` as const;
const penalty = 100n * 10n ** 18n;

/** A decoded log as `getContractEvents` gives it (only the fields the index reads). */
function log<T extends SettlementLog | RegistryLog>(
  eventName: T["eventName"],
  args: object,
  block: bigint,
): T {
  return {
    eventName,
    args,
    blockNumber: block,
    logIndex: 0,
    transactionHash: `0x${block.toString(16).padStart(64, "0")}`,
  } as unknown as T;
}

const refresh = (): StakeRefresh => ({ suppliers: new Set(), applications: new Set(), gateways: new Set() });

describe("applySettlementLog", () => {
  it("indexes collateral, both proven relays, its release, and links an equivocation reported before the proof", () => {
    const state = createExplorerState();
    applySettlementLog(
      state,
      log(
        "Claimed",
        {
          claimKey,
          supplier,
          application,
          model: `0x${"0d".repeat(32)}`,
          session: 2n,
          rootHash: `0x${"ee".repeat(32)}`,
          rootSum: 500n,
          rootCount: 3n,
          amount: 500n,
          collateral: 1000n * 10n ** 18n,
        },
        10n,
      ),
    );
    applyRegistryLog(
      state,
      log(
        "SupplierCollateralChanged",
        { supplier, change: 1000n * 10n ** 18n, locked: 1000n * 10n ** 18n },
        10n,
      ),
      refresh(),
    );
    // Reported first (anyone holding two receipts may), proven later: the slash is linked once the proof shows the relay.
    applySettlementLog(
      state,
      log(
        "EquivocationReported",
        { relayKey: countRelayKey, supplier, reporter, slashed: penalty, reward: penalty / 2n },
        12n,
      ),
    );
    expect(state.slashes).toEqual([
      expect.objectContaining({
        reason: "equivocation",
        claimKey: undefined,
        relayKey: countRelayKey,
        amount: penalty,
      }),
    ]);
    applySettlementLog(state, log("Proven", { claimKey, sumRelayKey, countRelayKey }, 14n));
    expect(state.slashes[0]?.claimKey).toBe(claimKey);
    applySettlementLog(
      state,
      log("CollateralReleased", { claimKey, supplier, amount: 1000n * 10n ** 18n }, 20n),
    );
    applyRegistryLog(
      state,
      log("SupplierCollateralChanged", { supplier, change: -(1000n * 10n ** 18n), locked: 0n }, 20n),
      refresh(),
    );

    const claim = state.claims.get(claimKey);
    expect(claim).toMatchObject({
      collateral: 1000n * 10n ** 18n,
      proof: { sumRelayKey, countRelayKey, block: 14n },
      collateralReleased: { amount: 1000n * 10n ** 18n, block: 20n },
    });
    expect(state.suppliers.get(supplier)?.lockedCollateral).toBe(0n);
  });

  it("records a missing proof as a slash of the claim, with its reason and block", () => {
    const state = createExplorerState();
    applySettlementLog(state, log("ProofMissing", { claimKey, supplier, slashed: 1000n }, 30n));
    expect(state.slashes).toEqual([
      {
        supplier,
        reason: "missing proof",
        claimKey,
        relayKey: undefined,
        amount: 1000n,
        block: 30n,
        transaction: `0x${30n.toString(16).padStart(64, "0")}`,
      },
    ]);
  });
});
