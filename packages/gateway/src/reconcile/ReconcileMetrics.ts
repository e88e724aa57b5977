import { Counter, Gauge, type Registry } from "prom-client";
import type { ReconcileClaimsReturnType } from "./reconcileClaims.ts";
import type { ReconcileProvenLeavesReturnType } from "./reconcileProvenLeaves.ts";

/**
 * The reconciliation's Prometheus metrics, registered on the gateway's registry: proven leaves by outcome,
 * claims this gateway's receipts do not cover (not evidence), and how far the chain was reconciled.
 *
 * @example
 * ```ts
 * const reconcileMetrics = new ReconcileMetrics(metrics.registry);
 * reconcileMetrics.recordProvenLeaves(await reconcileProvenLeaves(parameters));
 * ```
 */
export class ReconcileMetrics {
  readonly provenLeaves: Counter<"outcome">;
  readonly unreconciledClaims: Counter;
  readonly unreconciledWei: Counter;
  readonly reconciledBlock: Gauge;

  constructor(registry: Registry) {
    this.provenLeaves = new Counter({
      name: "aviary_gateway_proven_leaves_total",
      help: "Proven leaves read from proofs, by outcome: matched, equivocation, unreceipted (signed by this gateway, no receipt held), foreign (signed by another party)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    });
    this.unreconciledClaims = new Counter({
      name: "aviary_gateway_unreconciled_claims_total",
      help: "Claims on this gateway's applications larger than its receipts: not evidence, other signers may account for the excess",
      registers: [registry],
    });
    this.unreconciledWei = new Counter({
      name: "aviary_gateway_unreconciled_claim_wei_total",
      help: "What those claims exceed this gateway's receipts by, token wei (approximate above 2^53)",
      registers: [registry],
    });
    this.reconciledBlock = new Gauge({
      name: "aviary_gateway_reconciled_block",
      help: "The last block whose claims and proofs were reconciled",
      registers: [registry],
    });
  }

  /** Counts one pass of `reconcileProvenLeaves`. */
  recordProvenLeaves(result: ReconcileProvenLeavesReturnType): void {
    const equivocations = result.equivocations.filter((found) => found.evidenceId !== undefined).length;
    this.provenLeaves.inc({ outcome: "matched" }, result.matched);
    this.provenLeaves.inc({ outcome: "equivocation" }, equivocations);
    this.provenLeaves.inc({ outcome: "unreceipted" }, result.unreceipted);
    this.provenLeaves.inc({ outcome: "foreign" }, result.foreign);
  }

  /** Counts one pass of `reconcileClaims`. */
  recordClaims(unreconciled: ReconcileClaimsReturnType): void {
    this.unreconciledClaims.inc(unreconciled.length);
    for (const claim of unreconciled) this.unreconciledWei.inc(Number(claim.excess));
  }
}
