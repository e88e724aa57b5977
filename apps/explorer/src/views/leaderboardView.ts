import type { Address } from "viem";
import type { GatewayEvaluation } from "../gateways/schemas.ts";
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

/**
 * Suppliers ranked by the gateways' reputation (unmeasured last), then by stake, with the measured and
 * evaluation columns.
 *
 * @example
 * ```ts
 * leaderboardView(data).suppliers[0]?.address;
 * ```
 */
export function leaderboardView(data: ExplorerData): { suppliers: LeaderboardRow[] } {
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
  return { suppliers: rows };
}
