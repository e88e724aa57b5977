import type { Address, Hex } from "viem";
import type { GatewayEvaluation } from "../gateways/schemas.ts";
import { type ModelEvaluation, modelEvaluations } from "./modelEvaluations.ts";
import { sumClaims } from "./sumClaims.ts";
import { combineMeasurements, supplierMeasurements } from "./supplierMeasurements.ts";
import type { ExplorerData } from "./types.ts";

export type LeaderboardRow = {
  rank: number;
  address: Address;
  endpoint: string;
  stake: bigint;
  /** Gateways that measured it. */
  gateways: number;
  reputation: number | null;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  latencyMs: number | null;
  errorRate: number | null;
  successes: number | null;
  failures: number | null;
  probation: boolean;
  evaluation: GatewayEvaluation | null;
  relays: bigint;
  earned: bigint;
};

/** A registered model with the gateways' evaluation-set scores of it. */
export type LeaderboardModel = { id: Hex; name: string; evaluations: ModelEvaluation[] };

export type LeaderboardView = {
  suppliers: LeaderboardRow[];
  /** Registered models some gateway scored, in registration order; suppliers ranked by score. */
  models: LeaderboardModel[];
};

/**
 * Suppliers ranked by the gateways' reputation (unmeasured last), then by stake, with the measured and
 * evaluation columns; and per model, suppliers ranked by the gateways' evaluation-set scores.
 *
 * @example
 * ```ts
 * leaderboardView(data).suppliers[0]?.address;
 * leaderboardView(data).models[0]?.evaluations[0]?.suppliers[0]?.score;
 * ```
 */
export function leaderboardView(data: ExplorerData): LeaderboardView {
  const rows = [...data.state.suppliers.values()].map((supplier) => {
    const measured = combineMeasurements(supplierMeasurements(data, supplier.address));
    const claims = sumClaims(
      [...data.state.claims.values()].filter((claim) => claim.supplier === supplier.address),
    );
    return {
      rank: 0,
      address: supplier.address,
      endpoint: supplier.endpoint,
      stake: supplier.stake.stake,
      gateways: measured?.gateways ?? 0,
      reputation: measured?.reputation ?? null,
      ttftMs: measured?.ttftMs ?? null,
      tokensPerSecond: measured?.tokensPerSecond ?? null,
      latencyMs: measured?.latencyMs ?? null,
      errorRate: measured?.errorRate ?? null,
      successes: measured?.successes ?? null,
      failures: measured?.failures ?? null,
      probation: measured?.probation ?? false,
      evaluation: measured?.evaluation ?? null,
      relays: claims.relays,
      earned: claims.toSupplier,
    };
  });
  rows.sort((a, b) => {
    if (a.reputation !== b.reputation) {
      if (a.reputation === null) return 1;
      if (b.reputation === null) return -1;
      return b.reputation - a.reputation;
    }
    return a.stake === b.stake ? 0 : a.stake > b.stake ? -1 : 1;
  });
  rows.forEach((row, index) => {
    row.rank = index + 1;
  });
  const models = [...data.state.models.values()].flatMap((model) => {
    const evaluations = modelEvaluations(data, model.name);
    return evaluations.length === 0 ? [] : [{ id: model.id, name: model.name, evaluations }];
  });
  return { suppliers: rows, models };
}
