import type { AuditRecord, EvidenceRecord } from "../store/GatewayStore.ts";
import { percentile } from "./percentile.ts";

/** What a gateway publishes about one supplier (`GET /public/v1/suppliers`, field `evaluation`). */
export type SupplierEvaluation = {
  /** Share of attempts that did not fail through the supplier's fault; null before any attempt. */
  availability: number | null;
  /** Time to first token of streamed relays, ms. */
  ttftMs: { p50: number | null; p90: number | null; p99: number | null };
  /** Output tokens per second after the first token, streamed relays. */
  tokensPerSecond: { p50: number | null; p90: number | null };
  /** Covert audits completed (evaluation-set items are not audits: see `evaluationSet`). */
  audits: number;
  /** Share of covert audits passed; null before the first. */
  auditPassRate: number | null;
  /**
   * The fixed public evaluation set, apart from the audits: it moves neither `audits`, `auditPassRate`,
   * `billingAccuracy` nor reputation (a supplier can tell its public prompts, so passing it proves nothing
   * covert). Per-model scores are on `GET /public/v1/models/evaluation`.
   */
  evaluationSet: SupplierEvaluationSetResult;
  /** Share of billing checks (every user relay of an audited model, and covert audits) whose receipt was within the recount; null before the first. */
  billingAccuracy: number | null;
  /** Whether this gateway holds evidence against the supplier. */
  flagged: boolean;
  /** Pieces of evidence held. */
  evidence: number;
  /** The prices last relayed at, per model (token wei per token, decimal strings). */
  price: { model: string; inputPrice: string; outputPrice: string }[] | null;
};

/** A supplier's results on the fixed evaluation set (field `evaluationSet` of {@link SupplierEvaluation}). */
export type SupplierEvaluationSetResult = {
  /** Completed runs of the set (one per model and run). */
  runs: number;
  /** Items judged (relays that completed). */
  items: number;
  /** Share of judged items whose checks all passed; null before the first. */
  passRate: number | null;
  /** 0–100: the mean over models of the latest run's score; null before the first run. */
  score: number | null;
  /** When the latest run ended (ISO 8601); null before the first. */
  updatedAt: string | null;
};

type Entry = {
  attempts: number;
  failures: number;
  ttft: number[];
  tokensPerSecond: number[];
  audits: number;
  auditPasses: number;
  billingChecks: number;
  billingPasses: number;
  evaluationRuns: number;
  evaluationItems: number;
  evaluationPasses: number;
  /** The latest run's score per model. */
  evaluationScores: Map<string, { score: number; updatedAt: string }>;
  evidence: number;
  prices: Map<string, { inputPrice: string; outputPrice: string }>;
};

/** Options of {@link SupplierEvaluationBook}. */
export type SupplierEvaluationBookOptions = {
  /** Latency samples kept per supplier (the most recent). Default 1000. */
  samples?: number;
  /** Suppliers kept; the least recently updated is forgotten beyond it. Default 10 000. */
  maxEntries?: number;
};

/**
 * The gateway's running measurements per supplier for public evaluation: availability, latency percentiles
 * (bounded rings of recent samples), covert audit pass rate, billing accuracy, evidence, prices, and apart
 * from them the fixed evaluation set's results. In memory, bounded; audit, evaluation-item and evidence
 * counts are restored from the store at start (`restore`).
 *
 * @example
 * ```ts
 * const book = new SupplierEvaluationBook();
 * book.recordAttempt("0xab…", { ok: true, ttftMs: 120, tokensPerSecond: 40 });
 * book.evaluation("0xab…").ttftMs.p50; // 120
 * ```
 */
export class SupplierEvaluationBook {
  readonly #entries = new Map<string, Entry>();
  readonly #samples: number;
  readonly #maxEntries: number;

  constructor({ samples = 1000, maxEntries = 10_000 }: SupplierEvaluationBookOptions = {}) {
    this.#samples = samples;
    this.#maxEntries = maxEntries;
  }

  #entry(address: string): Entry {
    const key = address.toLowerCase();
    let entry = this.#entries.get(key);
    if (entry) this.#entries.delete(key);
    entry ??= {
      attempts: 0,
      failures: 0,
      ttft: [],
      tokensPerSecond: [],
      audits: 0,
      auditPasses: 0,
      billingChecks: 0,
      billingPasses: 0,
      evaluationRuns: 0,
      evaluationItems: 0,
      evaluationPasses: 0,
      evaluationScores: new Map(),
      evidence: 0,
      prices: new Map(),
    };
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    return entry;
  }

  #push(ring: number[], value: number | undefined | null): void {
    if (value === undefined || value === null || !Number.isFinite(value) || value < 0) return;
    ring.push(value);
    if (ring.length > this.#samples) ring.splice(0, ring.length - this.#samples);
  }

  /**
   * Records one relay attempt: `ok`, or a failure charged to the supplier (`charged`); failures that were not
   * the supplier's fault are not recorded at all.
   */
  recordAttempt(
    address: string,
    attempt: { ok: boolean; charged?: boolean; ttftMs?: number | null; tokensPerSecond?: number | null },
  ): void {
    if (!attempt.ok && !attempt.charged) return;
    const entry = this.#entry(address);
    entry.attempts++;
    if (!attempt.ok) {
      entry.failures++;
      return;
    }
    this.#push(entry.ttft, attempt.ttftMs);
    this.#push(entry.tokensPerSecond, attempt.tokensPerSecond);
  }

  /** Records a covert audit's outcome. */
  recordAudit(address: string, passed: boolean): void {
    const entry = this.#entry(address);
    entry.audits++;
    if (passed) entry.auditPasses++;
  }

  /** Records a billing check's outcome. */
  recordBilling(address: string, passed: boolean): void {
    const entry = this.#entry(address);
    entry.billingChecks++;
    if (passed) entry.billingPasses++;
  }

  /** Records one judged item of the fixed evaluation set (not an audit). */
  recordEvaluationItem(address: string, passed: boolean): void {
    const entry = this.#entry(address);
    entry.evaluationItems++;
    if (passed) entry.evaluationPasses++;
  }

  /** Records the score of a completed evaluation-set run on `model` (replacing that model's previous score). */
  recordEvaluationRun(address: string, run: { model: string; score: number; updatedAt: string }): void {
    const entry = this.#entry(address);
    entry.evaluationRuns++;
    entry.evaluationScores.set(run.model, { score: run.score, updatedAt: run.updatedAt });
  }

  /** Records that evidence was filed against the supplier. */
  recordEvidence(address: string): void {
    this.#entry(address).evidence++;
  }

  /** Records the prices a relay to the supplier was signed at. */
  recordPrice(address: string, model: string, inputPrice: bigint, outputPrice: bigint): void {
    this.#entry(address).prices.set(model, {
      inputPrice: inputPrice.toString(),
      outputPrice: outputPrice.toString(),
    });
  }

  /** Covert audits completed for the supplier (all models). */
  auditsOf(address: string): number {
    return this.#entries.get(address.toLowerCase())?.audits ?? 0;
  }

  /**
   * Counts audits, evaluation-set items and evidence from the store (newest first lists), e.g. after a
   * restart. Evaluation-set scores are not restored: the next run publishes them.
   */
  restore(audits: readonly AuditRecord[], evidence: readonly EvidenceRecord[]): void {
    for (const audit of audits) {
      if (audit.kind === "evaluation") this.recordEvaluationItem(audit.supplier, audit.passed);
      else this.recordAudit(audit.supplier, audit.passed);
    }
    for (const record of evidence) this.recordEvidence(record.supplier);
  }

  /** The public evaluation of a supplier (all numbers null when unmeasured). */
  evaluation(address: string): SupplierEvaluation {
    const entry = this.#entries.get(address.toLowerCase());
    const round = (value: number | null, digits = 1) =>
      value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
    const share = (part: number, whole: number) =>
      whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
    if (!entry) {
      return {
        availability: null,
        ttftMs: { p50: null, p90: null, p99: null },
        tokensPerSecond: { p50: null, p90: null },
        audits: 0,
        auditPassRate: null,
        evaluationSet: { runs: 0, items: 0, passRate: null, score: null, updatedAt: null },
        billingAccuracy: null,
        flagged: false,
        evidence: 0,
        price: null,
      };
    }
    return {
      availability: share(entry.attempts - entry.failures, entry.attempts),
      ttftMs: {
        p50: round(percentile(entry.ttft, 0.5)),
        p90: round(percentile(entry.ttft, 0.9)),
        p99: round(percentile(entry.ttft, 0.99)),
      },
      tokensPerSecond: {
        p50: round(percentile(entry.tokensPerSecond, 0.5)),
        p90: round(percentile(entry.tokensPerSecond, 0.9)),
      },
      audits: entry.audits,
      auditPassRate: share(entry.auditPasses, entry.audits),
      evaluationSet: evaluationSetResult(entry, round),
      billingAccuracy: share(entry.billingPasses, entry.billingChecks),
      flagged: entry.evidence > 0,
      evidence: entry.evidence,
      price:
        entry.prices.size === 0 ? null : [...entry.prices].map(([model, prices]) => ({ model, ...prices })),
    };
  }
}

function evaluationSetResult(
  entry: Entry,
  round: (value: number | null, digits?: number) => number | null,
): SupplierEvaluationSetResult {
  const scores = [...entry.evaluationScores.values()];
  return {
    runs: entry.evaluationRuns,
    items: entry.evaluationItems,
    passRate:
      entry.evaluationItems > 0
        ? Math.round((entry.evaluationPasses / entry.evaluationItems) * 10_000) / 10_000
        : null,
    score:
      scores.length > 0 ? round(scores.reduce((sum, run) => sum + run.score, 0) / scores.length, 2) : null,
    updatedAt: scores.reduce<string | null>(
      (latest, run) => (latest === null || run.updatedAt > latest ? run.updatedAt : latest),
      null,
    ),
  };
}
