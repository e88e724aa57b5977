import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The gateway's Prometheus metrics (one registry per gateway instance). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "aviary_gateway_requests_total",
    help: "Requests by route, model and outcome",
    labelNames: ["route", "model", "status"] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: "aviary_gateway_supplier_attempts_total",
    help: "Relay attempts by supplier and outcome",
    labelNames: ["supplier", "outcome"] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "aviary_gateway_request_duration_seconds",
    help: "Time to the full response",
    labelNames: ["route", "stream"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: "aviary_gateway_time_to_first_chunk_seconds",
    help: "Time to the first streamed chunk",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: "aviary_gateway_tokens_total",
    help: "Tokens billed, by kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: "aviary_gateway_in_flight",
    help: "Requests being served",
    registers: [this.registry],
  });
}
