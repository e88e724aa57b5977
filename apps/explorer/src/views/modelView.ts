import type { Address, Hex } from "viem";
import type { DifficultyUpdate } from "../indexer/types.ts";
import { type ClaimSummary, claimSummary, newestFirst } from "./claimSummary.ts";
import { type ModelEvaluation, modelEvaluations } from "./modelEvaluations.ts";
import { type ModelRow, modelRow } from "./modelsView.ts";
import type { SessionActivity } from "./overviewView.ts";
import { sumClaims } from "./sumClaims.ts";
import type { ExplorerData } from "./types.ts";

export type ModelView = ModelRow & {
  offers: {
    supplier: Address;
    inputPrice: bigint;
    outputPrice: bigint;
    effectiveSession: bigint;
    active: boolean;
  }[];
  activity: SessionActivity[];
  difficultyUpdates: DifficultyUpdate[];
  claims: ClaimSummary[];
  /** The gateways' evaluation-set scores of this model (matched by its name). */
  evaluations: ModelEvaluation[];
};

/**
 * One model: digest, uri, source and share, offers, usage per session, difficulty, its latest claims, and
 * the gateways' evaluation-set scores of it.
 * Undefined when no such model is registered.
 *
 * @param claims - how many of the latest claims to list. @default 50
 * @example
 * ```ts
 * modelView(data, modelId)?.sourceEarned;
 * ```
 */
export function modelView(data: ExplorerData, id: Hex, claims = 50): ModelView | undefined {
  const { state } = data;
  const model = state.models.get(id);
  if (!model) return undefined;
  const modelClaims = [...state.claims.values()].filter((claim) => claim.model === id).sort(newestFirst);
  const bySession = new Map<bigint, typeof modelClaims>();
  for (const claim of modelClaims)
    bySession.set(claim.session, [...(bySession.get(claim.session) ?? []), claim]);
  return {
    ...modelRow(data, model),
    offers: [...state.suppliers.values()].flatMap((supplier) => {
      const offer = supplier.offers.get(id);
      return offer
        ? [
            {
              supplier: supplier.address,
              inputPrice: offer.inputPrice,
              outputPrice: offer.outputPrice,
              effectiveSession: offer.effectiveSession,
              active: offer.active,
            },
          ]
        : [];
    }),
    activity: [...bySession.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(-24)
      .map(([session, sessionClaims]) => {
        const totals = sumClaims(sessionClaims);
        return {
          session,
          claims: totals.claims,
          relays: totals.relays,
          claimed: totals.claimed,
          paid: totals.paid,
        };
      }),
    difficultyUpdates: state.difficultyUpdates.filter((update) => update.model === id).slice(-20),
    claims: modelClaims.slice(0, claims).map((claim) => claimSummary(data, claim)),
    evaluations: modelEvaluations(data, model.name),
  };
}
