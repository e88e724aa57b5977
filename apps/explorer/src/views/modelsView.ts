import type { Address, Hex } from "viem";
import type { IndexedModel } from "../indexer/types.ts";
import { type ClaimTotals, sumClaims } from "./sumClaims.ts";
import type { ExplorerData } from "./types.ts";

export type ModelRow = {
  id: Hex;
  name: string;
  weightsDigest: Hex;
  uri: string;
  kind: string;
  source: Address;
  sourceShareBps: number;
  registeredAt: bigint;
  /** Current mining probability (wad): from the last difficulty update, else the initial one. */
  probabilityWad: bigint | null;
  /** False until the model's first difficulty update. */
  difficultyUpdated: boolean;
  /** Suppliers with an active offer. */
  suppliers: number;
  usage: ClaimTotals;
  /** What the source earned: its share of every settled claim. */
  sourceEarned: bigint;
};

/**
 * A registered model with its usage: claims, relays, payments and what its source earned.
 *
 * @example
 * ```ts
 * modelRow(data, model).sourceEarned;
 * ```
 */
export function modelRow(data: ExplorerData, model: IndexedModel): ModelRow {
  const usage = sumClaims([...data.state.claims.values()].filter((claim) => claim.model === model.id));
  let suppliers = 0;
  for (const supplier of data.state.suppliers.values()) {
    if (supplier.offers.get(model.id)?.active) suppliers += 1;
  }
  return {
    id: model.id,
    name: model.name,
    weightsDigest: model.weightsDigest,
    uri: model.uri,
    kind: model.kind,
    source: model.source,
    sourceShareBps: model.sourceShareBps,
    registeredAt: model.registeredAt,
    probabilityWad: model.probabilityWad ?? data.state.params?.initialMiningProbabilityWad ?? null,
    difficultyUpdated: model.probabilityWad !== undefined,
    suppliers,
    usage,
    sourceEarned: usage.toSource,
  };
}

/**
 * Every registered model, in registration order, with its usage.
 *
 * @example
 * ```ts
 * modelsView(data).models[0]?.name;
 * ```
 */
export function modelsView(data: ExplorerData): { models: ModelRow[] } {
  return { models: [...data.state.models.values()].map((model) => modelRow(data, model)) };
}
