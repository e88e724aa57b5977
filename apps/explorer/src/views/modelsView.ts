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
  /** Those suppliers' addresses. */
  servingSuppliers: Address[];
  /** What the offers' prices count: tokens (input and output), or image·steps (output only) for an image model. */
  priceUnit: "token" | "image·step";
  /** The lowest and highest output price of the active offers (wei per `priceUnit`); null without offers. */
  outputPrices: { min: bigint; max: bigint } | null;
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
  const servingSuppliers: Address[] = [];
  let outputPrices: ModelRow["outputPrices"] = null;
  for (const supplier of data.state.suppliers.values()) {
    const offer = supplier.offers.get(model.id);
    if (!offer?.active) continue;
    servingSuppliers.push(supplier.address);
    outputPrices = {
      min: outputPrices && outputPrices.min < offer.outputPrice ? outputPrices.min : offer.outputPrice,
      max: outputPrices && outputPrices.max > offer.outputPrice ? outputPrices.max : offer.outputPrice,
    };
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
    suppliers: servingSuppliers.length,
    servingSuppliers,
    priceUnit: model.kind === "image" ? "image·step" : "token",
    outputPrices,
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
