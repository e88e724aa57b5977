import type { Address } from "viem";
import type { GatewayEvaluation } from "../gateways/schemas.ts";
import type { ExplorerData } from "./types.ts";

/** One gateway's measurements of one supplier. */
export type SupplierMeasurement = {
  gateway: string;
  gatewayAddress: Address | undefined;
  reputation: number | null;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  latencyMs: number | null;
  errorRate: number | null;
  successes: number | null;
  failures: number | null;
  probation: boolean;
  evaluation: GatewayEvaluation | null;
};

/** The measurements of a supplier across gateways: each number is the mean of the gateways that measured it. */
export type CombinedMeasurement = Omit<SupplierMeasurement, "gateway" | "gatewayAddress"> & {
  gateways: number;
};

/**
 * Every reachable gateway's measurements of `supplier`.
 *
 * @example
 * ```ts
 * supplierMeasurements(data, "0xf39F…").map((entry) => entry.reputation);
 * ```
 */
export function supplierMeasurements(data: ExplorerData, supplier: Address): SupplierMeasurement[] {
  const measurements: SupplierMeasurement[] = [];
  for (const gateway of data.gateways) {
    if (!gateway.reachable) continue;
    const entry = gateway.suppliers.find((candidate) => candidate.address === supplier);
    if (!entry) continue;
    measurements.push({
      gateway: gateway.url,
      gatewayAddress: gateway.address,
      reputation: entry.reputation,
      ttftMs: entry.ttftMs,
      tokensPerSecond: entry.tokensPerSecond,
      latencyMs: entry.latencyMs,
      errorRate: entry.errorRate,
      successes: entry.successes,
      failures: entry.failures,
      probation: entry.probation,
      evaluation: entry.evaluation ?? null,
    });
  }
  return measurements;
}

/**
 * Combines a supplier's measurements: the mean of each number over the gateways that measured it (null
 * when none did), counts summed, on probation if any gateway says so, the first evaluation found.
 *
 * @example
 * ```ts
 * combineMeasurements(supplierMeasurements(data, address))?.reputation;
 * ```
 */
export function combineMeasurements(measurements: SupplierMeasurement[]): CombinedMeasurement | null {
  if (measurements.length === 0) return null;
  const mean = (pick: (entry: SupplierMeasurement) => number | null): number | null => {
    const values = measurements.map(pick).filter((value): value is number => value !== null);
    return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
  };
  const sum = (pick: (entry: SupplierMeasurement) => number | null): number | null => {
    const values = measurements.map(pick).filter((value): value is number => value !== null);
    return values.length === 0 ? null : values.reduce((total, value) => total + value, 0);
  };
  return {
    gateways: measurements.length,
    reputation: mean((entry) => entry.reputation),
    ttftMs: mean((entry) => entry.ttftMs),
    tokensPerSecond: mean((entry) => entry.tokensPerSecond),
    latencyMs: mean((entry) => entry.latencyMs),
    errorRate: mean((entry) => entry.errorRate),
    successes: sum((entry) => entry.successes),
    failures: sum((entry) => entry.failures),
    probation: measurements.some((entry) => entry.probation),
    evaluation: measurements.find((entry) => entry.evaluation)?.evaluation ?? null,
  };
}
