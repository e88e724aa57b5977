import type { Address, Hex } from "viem";
import type { IndexedSupplier } from "../indexer/types.ts";
import { type ClaimTotals, sumClaims } from "./sumClaims.ts";
import {
  type CombinedMeasurement,
  combineMeasurements,
  supplierMeasurements,
} from "./supplierMeasurements.ts";
import type { ExplorerData } from "./types.ts";

export type SupplierOfferView = {
  model: Hex;
  modelName: string | undefined;
  /** The model's kind (`image`: priced per image·step); undefined while the model is not indexed. */
  modelKind: string | undefined;
  inputPrice: bigint;
  outputPrice: bigint;
  effectiveSession: bigint;
  active: boolean;
};

export type SupplierRow = {
  address: Address;
  operator: Address;
  endpoint: string;
  stake: bigint;
  /** Of the stake, what unsettled claims lock as collateral (cannot be unstaked). */
  lockedCollateral: bigint;
  /** Of the stake, what is free: `stake − lockedCollateral` (the registry's `supplierCollateral`). */
  unlockedStake: bigint;
  unbonding: bigint;
  releaseSession: bigint;
  /** Taken from the stake by settlement (missing proofs, equivocation). */
  slashed: bigint;
  offers: SupplierOfferView[];
  /** Its claims' totals. */
  usage: ClaimTotals;
  /** What the supplier (owner) was paid by settlement. */
  earned: bigint;
  /** The gateways' measurements, averaged; null when no reachable gateway measured it. */
  measured: CombinedMeasurement | null;
};

/**
 * A supplier with its stake (locked as collateral and unlocked), offers, claim totals, earnings and the
 * gateways' measurements.
 *
 * @example
 * ```ts
 * supplierRow(data, supplier).earned;
 * ```
 */
export function supplierRow(data: ExplorerData, supplier: IndexedSupplier): SupplierRow {
  const usage = sumClaims(
    [...data.state.claims.values()].filter((claim) => claim.supplier === supplier.address),
  );
  return {
    address: supplier.address,
    operator: supplier.operator,
    endpoint: supplier.endpoint,
    stake: supplier.stake.stake,
    lockedCollateral: supplier.lockedCollateral,
    unlockedStake:
      supplier.stake.stake > supplier.lockedCollateral
        ? supplier.stake.stake - supplier.lockedCollateral
        : 0n,
    unbonding: supplier.stake.unbonding,
    releaseSession: supplier.stake.releaseSession,
    slashed: supplier.slashed,
    offers: [...supplier.offers.values()].map((offer) => ({
      model: offer.model,
      modelName: data.state.models.get(offer.model)?.name,
      modelKind: data.state.models.get(offer.model)?.kind,
      inputPrice: offer.inputPrice,
      outputPrice: offer.outputPrice,
      effectiveSession: offer.effectiveSession,
      active: offer.active,
    })),
    usage,
    earned: usage.toSupplier,
    measured: combineMeasurements(supplierMeasurements(data, supplier.address)),
  };
}

/**
 * Every supplier that staked, by stake (largest first).
 *
 * @example
 * ```ts
 * suppliersView(data).suppliers.map((supplier) => supplier.address);
 * ```
 */
export function suppliersView(data: ExplorerData): { suppliers: SupplierRow[] } {
  return {
    suppliers: [...data.state.suppliers.values()]
      .map((supplier) => supplierRow(data, supplier))
      .sort((a, b) => (a.stake === b.stake ? 0 : a.stake > b.stake ? -1 : 1)),
  };
}
