import { Counter, Histogram, Registry } from "prom-client";
import type { BackendUsage } from "../backends/Backend.ts";

/**
 * The supplier's Prometheus metrics (one registry per node, so several nodes can share a process).
 * Updates are in-memory increments: cheap enough for the relay hot path.
 */
export class SupplierMetrics {
  readonly registry = new Registry();
  readonly relays = new Counter({
    name: "aviary_supplier_relays_total",
    help: "Relays served with a receipt",
    labelNames: ["model", "route", "stream"] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: "aviary_supplier_refusals_total",
    help: "Relays refused or failed, by error code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "aviary_supplier_relay_duration_seconds",
    help: "Time from verified request to receipt",
    labelNames: ["model", "route", "stream"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: "aviary_supplier_time_to_first_chunk_seconds",
    help: "Time from verified request to the first streamed chunk",
    labelNames: ["model"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: "aviary_supplier_tokens_total",
    help: "Units stated in receipts",
    labelNames: ["model", "kind"] as const,
    registers: [this.registry],
  });
  readonly servedValue = new Counter({
    name: "aviary_supplier_served_value_wei_total",
    help: "Cost of the relays served (token wei), before sampling and settlement",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });
  readonly claims = new Counter({
    name: "aviary_supplier_claims_total",
    help: "Claims by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly proofs = new Counter({
    name: "aviary_supplier_proofs_total",
    help: "Proofs by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly earnings = new Counter({
    name: "aviary_supplier_earnings_wei_total",
    help: "Tokens paid to the supplier at settlement (wei)",
    registers: [this.registry],
  });

  observeRelay(
    labels: { model: string; route: string; stream: string },
    milliseconds: number,
    usage: BackendUsage,
    cost: bigint,
    timeToFirstChunkMilliseconds?: number,
  ): void {
    this.relays.inc(labels);
    this.latency.observe(labels, milliseconds / 1000);
    if (timeToFirstChunkMilliseconds !== undefined && timeToFirstChunkMilliseconds > 0) {
      this.timeToFirstToken.observe({ model: labels.model }, timeToFirstChunkMilliseconds / 1000);
    }
    this.tokens.inc({ model: labels.model, kind: "input" }, usage.promptTokens);
    this.tokens.inc({ model: labels.model, kind: "output" }, usage.completionTokens);
    this.servedValue.inc({ model: labels.model }, Number(cost));
  }
}
