import type { Address, Hex } from "viem";
import type { ExplorerState, SlashReason } from "../indexer/types.ts";

/** One slash as the pages and the API show it. Amounts in token wei. */
export type SlashView = {
  supplier: Address;
  /** `"missing proof"` (a required proof never came) or `"equivocation"` (two receipts for one relay). */
  reason: SlashReason;
  /** The claim slashed, or whose proof showed the equivocating relay; null when no claim is known. */
  claimKey: Hex | null;
  /** The relay with two receipts (equivocation); null for a missing proof. */
  relayKey: Hex | null;
  amount: bigint;
  block: bigint;
  transaction: Hex;
};

/**
 * The slashes of the index, in chain order, narrowed to one supplier and/or one claim.
 *
 * @param filter - `supplier` and `claimKey` to match; both optional. @default every slash
 * @example
 * ```ts
 * slashesView(state, { supplier }).map((slash) => slash.reason); // ["missing proof", "equivocation"]
 * ```
 */
export function slashesView(
  state: ExplorerState,
  filter: { supplier?: Address; claimKey?: Hex } = {},
): SlashView[] {
  return state.slashes
    .filter(
      (slash) =>
        (filter.supplier === undefined || slash.supplier === filter.supplier) &&
        (filter.claimKey === undefined || slash.claimKey === filter.claimKey),
    )
    .map((slash) => ({
      supplier: slash.supplier,
      reason: slash.reason,
      claimKey: slash.claimKey ?? null,
      relayKey: slash.relayKey ?? null,
      amount: slash.amount,
      block: slash.block,
      transaction: slash.transaction,
    }));
}
