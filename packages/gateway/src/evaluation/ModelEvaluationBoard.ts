/** One supplier's result on the fixed evaluation set. */
export type SupplierEvaluationScore = {
  address: string;
  /** 0–100: mean per-item fidelity to the reference (share of output tokens that are its top choice). */
  score: number;
  /** Share of the set's items whose audit passed. */
  passRate: number;
  /** Items answered (failed relays count as 0). */
  items: number;
  updatedAt: string;
};

/** `GET /public/v1/models/evaluation`. */
export type ModelEvaluations = {
  models: { model: string; evaluationSet: string; suppliers: SupplierEvaluationScore[] }[];
};

/**
 * The latest evaluation-set scores per model and supplier, best first.
 *
 * @example
 * ```ts
 * board.record("llama", "aviary-eval-v1", { address, score: 98.5, passRate: 1, items: 12, updatedAt });
 * board.snapshot().models[0]?.suppliers[0]?.score;
 * ```
 */
export class ModelEvaluationBoard {
  readonly #models = new Map<
    string,
    { evaluationSet: string; suppliers: Map<string, SupplierEvaluationScore> }
  >();

  /** Stores a supplier's latest result (replacing the previous one for that model). */
  record(model: string, evaluationSet: string, result: SupplierEvaluationScore): void {
    let entry = this.#models.get(model);
    if (!entry || entry.evaluationSet !== evaluationSet) {
      entry = { evaluationSet, suppliers: new Map() };
      this.#models.set(model, entry);
    }
    entry.suppliers.set(result.address.toLowerCase(), result);
  }

  /** Every model's results, suppliers by score (highest first). */
  snapshot(): ModelEvaluations {
    return {
      models: [...this.#models].map(([model, entry]) => ({
        model,
        evaluationSet: entry.evaluationSet,
        suppliers: [...entry.suppliers.values()].sort((a, b) => b.score - a.score || b.passRate - a.passRate),
      })),
    };
  }
}
