import type { Address } from "viem";
import type { ExplorerData } from "./types.ts";

/** One supplier's result on a gateway's evaluation set, ranked within that set. */
export type ModelEvaluationRow = {
  rank: number;
  address: Address;
  /** 0–100. */
  score: number;
  /** 0–1; null when the gateway did not say. */
  passRate: number | null;
  items: number | null;
  updatedAt: string | null;
  /** Whether the supplier has staked (it has a page). */
  staked: boolean;
};

/** One gateway's scores of one model on its evaluation set. */
export type ModelEvaluation = {
  /** The gateway's URL. */
  gateway: string;
  gatewayAddress: Address | null;
  evaluationSet: string;
  /** Best score first (then pass rate). */
  suppliers: ModelEvaluationRow[];
};

/**
 * Every reachable gateway's evaluation-set scores of the model named `name` (gateways key their scores by
 * the model's registered name), suppliers ranked by score. Empty when no gateway publishes any.
 *
 * @example
 * ```ts
 * modelEvaluations(data, "aviary-test-model-f32")[0]?.suppliers[0]?.score;
 * ```
 */
export function modelEvaluations(data: ExplorerData, name: string): ModelEvaluation[] {
  const evaluations: ModelEvaluation[] = [];
  for (const gateway of data.gateways) {
    if (!gateway.reachable) continue;
    for (const entry of gateway.modelEvaluations ?? []) {
      if (entry.model !== name) continue;
      const suppliers = [...entry.suppliers]
        .sort((a, b) => b.score - a.score || (b.passRate ?? -1) - (a.passRate ?? -1))
        .map((supplier, index) => ({
          rank: index + 1,
          address: supplier.address,
          score: supplier.score,
          passRate: supplier.passRate ?? null,
          items: supplier.items ?? null,
          updatedAt: supplier.updatedAt ?? null,
          staked: data.state.suppliers.has(supplier.address),
        }));
      evaluations.push({
        gateway: gateway.url,
        gatewayAddress: gateway.address ?? null,
        evaluationSet: entry.evaluationSet,
        suppliers,
      });
    }
  }
  return evaluations;
}
