import { randomBytes, randomUUID } from "node:crypto";
import {
  type AuditConfig,
  type AuditTarget,
  createEvaluationObserver,
  type EvidenceRecord,
  type GatewayIntegrity,
  type GatewayStore,
  type ImageAuditRender,
  type IntegrityRelay,
  type ModelEvaluationBoard,
  type RelayedExchange,
  type RelayObserver,
  type SequentialTestSnapshot,
  type SupplierEvaluationBook,
} from "@aviary/gateway";
import type { ImagePipeline } from "@aviary/image-runtime";
import { type OpenAiRoute, relaySamplingSeed, seededRandom } from "@aviary/protocol";
import type { SupplierStatsBook } from "@aviary/sdk";
import type { Logger } from "pino";
import type { Hex } from "viem";
import {
  auditImageExchange,
  type ImageAuditCheckResult,
  type ImageComparison,
} from "./auditImageExchange.ts";
import { auditRelayedOutput } from "./auditRelayedOutput.ts";
import { checkImageBilling } from "./checkImageBilling.ts";
import { checkRelayBilling } from "./checkRelayBilling.ts";
import { type DistributionTestResult, DistributionWindows } from "./DistributionWindows.ts";
import { drawImageAuditRequest } from "./drawImageAuditRequest.ts";
import { evidenceFromExchange } from "./evidenceFromExchange.ts";
import type { ImageAuditGallery } from "./ImageAuditGallery.ts";
import type { ReferenceModel } from "./ReferenceModel.ts";
import { referenceSampleZ } from "./referenceSampleZ.ts";
import { SequentialEvidence } from "./SequentialEvidence.ts";
import {
  type AuditCheckResult,
  type AuditPrompt,
  type AuditThresholds,
  type AuditVerdict,
  AVIARY_EVALUATION_SET,
  auditRate,
  drawAuditPrompt,
  type EvaluationSet,
  nextAuditDelay,
  requestLogprobs,
} from "./statistics/index.ts";

/** A model this gateway audits. */
export type AuditedModel = {
  name: string;
  modelId: Hex;
  reference: ReferenceModel;
  thresholds: AuditThresholds;
};

/** An image model this gateway audits by re-rendering on its reference pipeline. */
export type AuditedImageModel = {
  name: string;
  modelId: Hex;
  pipeline: ImagePipeline;
  comparison: ImageComparison;
  /** Bounds of the audit requests' `steps`. */
  steps: { min: number; max: number };
  /** Most images per audit request. */
  maxImages: number;
  /** Sizes audit requests draw from (rendered by the pipeline). */
  sizes: readonly string[];
};

export type IntegrityMonitorParameters = {
  config: AuditConfig;
  /** The audited models, by name. */
  models: ReadonlyMap<string, AuditedModel>;
  /** The audited image models, by name. @default none */
  imageModels?: ReadonlyMap<string, AuditedImageModel>;
  /** Where the latest image audits' renders are kept for `GET /public/v1/audits/images`. */
  gallery?: ImageAuditGallery;
  store: GatewayStore;
  /** Routing's stats: audits raise or cut reputation here. */
  book: SupplierStatsBook;
  evaluation: SupplierEvaluationBook;
  board: ModelEvaluationBoard;
  logger: Logger;
  /**
   * Sends one request through the gateway's own relay path (`handleRelay` with the audit key): the same
   * signing, headers, routing (restricted by `provider.only`), failover rules and accounting as any user's.
   */
  relay: IntegrityRelay;
  /** The suppliers offering a model now (discovery). */
  suppliersOf: (modelId: Hex) => Promise<AuditTarget[]>;
  /** The API key audit relays are accounted under: its relays are judged by audits, not the billing check. */
  auditKeyId: string;
  /** Uniform in [0, 1). @default from `config.seed`, else crypto-random */
  random?: () => number;
};

/** The outcome of one audit. */
export type AuditOutcome =
  | {
      status: "judged";
      supplier: string;
      model: string;
      kind: "audit" | "evaluation";
      passed: boolean;
      verdict: AuditVerdict;
      relayKey: Hex;
      temperature: number;
      stream: boolean;
      /** Evidence filed (the failed check; a failed two-sample test). */
      evidence: EvidenceRecord[];
      /** Milliseconds the reference spent scoring. */
      scoringMs: number;
      /** The two-sample test after this audit, when one ran. */
      distribution: DistributionTestResult | null;
    }
  | { status: "failed"; supplier: string; model: string; reason: string };

/** The outcome of one image audit. */
export type ImageAuditOutcome =
  | {
      status: "judged";
      supplier: string;
      model: string;
      passed: boolean;
      checks: ImageAuditCheckResult[];
      failed: ImageAuditCheckResult | null;
      /** The largest distance of a returned image from the reference's render (0: identical). */
      distance: number;
      /** Every returned image was byte for byte the reference's. */
      identical: boolean;
      relayKey: Hex;
      request: { prompt: string; seed: number; steps: number; size: string; n: number };
      evidence: EvidenceRecord[];
      /** Milliseconds the reference spent rendering. */
      renderMs: number;
    }
  | { status: "failed"; supplier: string; model: string; reason: string };

const BILLING_CHECKS = new Set(["billing-input", "billing-output"]);
const FIDELITY_FAILURES = new Set(["billing-input", "billing-output", "length-mismatch", "premature-stop"]);

/**
 * The gateway's integrity loop (protocol.md §8–§9): covert audits on a Poisson schedule per supplier and
 * model (faster for new and low-reputation suppliers), each a normal relay through the gateway's own path,
 * scored against the reference copy of the model; a billing recount of every relay; a two-sample test of
 * sampled outputs against reference samples; reputation updates; evidence; and the fixed evaluation set
 * (public, so not an audit: it feeds the public model evaluation only).
 *
 * Everything runs off the relay hot path: the relay observer only reads what was already sent.
 *
 * @example
 * ```ts
 * const monitor = new IntegrityMonitor({ config, models, store, book, evaluation, board, logger, relay, suppliersOf, auditKeyId });
 * await monitor.restore();
 * monitor.start();
 * ```
 */
export class IntegrityMonitor implements GatewayIntegrity {
  readonly #parameters: IntegrityMonitorParameters;
  readonly #random: () => number;
  readonly #auditCounts = new Map<string, number>();
  readonly #nextAuditAt = new Map<string, number>();
  readonly #windows = new DistributionWindows();
  readonly #sequential = new SequentialEvidence();
  readonly #running = new Set<Promise<unknown>>();
  /** Aborted by `stop`: audits in flight end at once instead of holding shutdown up to `relayTimeoutMs`. */
  readonly #stopping = new AbortController();
  #tickTimer: NodeJS.Timeout | undefined;
  #evaluationTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #ticking = false;

  constructor(parameters: IntegrityMonitorParameters) {
    this.#parameters = parameters;
    this.#random =
      parameters.random ??
      (parameters.config.seed === null
        ? () => randomBytes(4).readUInt32BE(0) / 4294967296
        : seededRandom(parameters.config.seed));
  }

  /** The observer to give the relay path: evaluation measurements and the billing check of every relay. */
  get observer(): RelayObserver {
    const evaluation = createEvaluationObserver(this.#parameters.evaluation);
    return {
      onAttempt: evaluation.onAttempt,
      onRelayed: (exchange) => {
        evaluation.onRelayed(exchange);
        if (exchange.keyId === this.#parameters.auditKeyId || !this.#parameters.config.billingEveryRelay)
          return;
        if (exchange.route === "images/generations") {
          if (this.#parameters.imageModels?.has(exchange.model)) void this.#checkImageBilling(exchange);
          return;
        }
        const audited = this.#parameters.models.get(exchange.model);
        if (audited) void this.#checkBilling(audited, exchange);
      },
    };
  }

  /** Counts past audits and evidence from the store (after a restart). */
  async restore(): Promise<void> {
    const [audits, evidence] = await Promise.all([
      this.#parameters.store.audits({ limit: 100_000 }),
      this.#parameters.store.evidence({ limit: 10_000 }),
    ]);
    this.#parameters.evaluation.restore(audits, evidence);
    for (const audit of audits) {
      // Evaluation-set items are not audits: they do not use up the new-supplier boost.
      if (audit.kind !== "audit") continue;
      const key = this.#key(audit.supplier, audit.model);
      this.#auditCounts.set(key, (this.#auditCounts.get(key) ?? 0) + 1);
    }
  }

  /**
   * Starts the audit schedule (and the evaluation-set timer when configured). No audit fires at start: each
   * supplier's first audit is drawn from its rate when discovery first lists it. The first evaluation-set run
   * starts 0.5–1.5 minutes after start (at most the interval), then every `evaluationIntervalMs` after the
   * previous run ended, its items spread `evaluationItemGapMs` apart.
   */
  start(tickMs = 1000): void {
    if (this.#stopped || this.#tickTimer) return;
    this.#tickTimer = setInterval(() => void this.#tick(), tickMs);
    this.#tickTimer.unref();
    const { evaluationIntervalMs: interval, evaluationItemGapMs: gapMs } = this.#parameters.config;
    if (interval !== null) {
      const run = async () => {
        for (const model of this.#parameters.models.keys()) {
          if (this.#stopped) return;
          await this.runEvaluationSet(model, AVIARY_EVALUATION_SET, { gapMs }).catch((error) =>
            this.#parameters.logger.warn({ err: error, model }, "evaluation set failed"),
          );
        }
        if (!this.#stopped) this.#evaluationTimer = setTimeout(run, interval).unref();
      };
      const first = Math.min(interval, 60_000) * (0.5 + this.#random());
      this.#evaluationTimer = setTimeout(run, first).unref();
    }
  }

  /** Stops scheduling, waits for audits in flight, closes the reference models. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort(new Error("the gateway is stopping"));
    if (this.#tickTimer) clearInterval(this.#tickTimer);
    if (this.#evaluationTimer) clearTimeout(this.#evaluationTimer);
    await Promise.allSettled([...this.#running]);
    for (const model of this.#parameters.models.values()) await model.reference.close();
    for (const model of this.#parameters.imageModels?.values() ?? []) await model.pipeline.close();
  }

  /**
   * Runs one covert image audit of `supplier` on the image `model` now: a request drawn like a user's (or
   * `body`), relayed through the gateway to that supplier only, re-rendered on the reference pipeline with the
   * signed body's prompt, seed, steps, size, negative prompt and guidance, and compared image by image; the bill
   * is recounted. Reputation, evidence, the published evaluation and the render gallery are updated. A relay
   * that does not complete is `failed`, not a verdict.
   *
   * @example
   * ```ts
   * const outcome = await monitor.runImageAudit({ supplier: { address, endpoint }, model: "aviary-test-image" });
   * if (outcome.status === "judged" && !outcome.passed) console.log(outcome.failed?.detail);
   * ```
   */
  runImageAudit(parameters: {
    supplier: AuditTarget;
    model: string;
    body?: Record<string, unknown>;
  }): Promise<ImageAuditOutcome> {
    const run = this.#runImageAudit(parameters);
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
    return run;
  }

  /**
   * Runs one audit of `supplier` on `model` now: a request from the prompt pool (or `prompt`), relayed through
   * the gateway to that supplier only, its answer scored by the reference; reputation, evidence and the
   * published evaluation are updated. A relay that does not complete is `failed`, not a verdict. With `kind:
   * "evaluation"` (an item of the public evaluation set) the verdict feeds the public evaluation only: no
   * audit is counted, reputation does not move, and only a billing failure is filed as evidence.
   *
   * @example
   * ```ts
   * const outcome = await monitor.runAudit({ supplier: { address, endpoint }, model: "llama" });
   * if (outcome.status === "judged" && !outcome.passed) console.log(outcome.verdict.failed?.detail);
   * ```
   */
  runAudit(parameters: {
    supplier: AuditTarget;
    model: string;
    prompt?: AuditPrompt;
    kind?: "audit" | "evaluation";
  }): Promise<AuditOutcome> {
    const run = this.#runAudit(parameters);
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
    return run;
  }

  /**
   * Runs the fixed evaluation set against every supplier of `model` and publishes the scores: score = mean
   * over items of 100 × the share of output tokens that are the reference's top choice (0 for an item whose
   * relay failed or whose stopping, length or billing failed). Its items are judged like audits but are not
   * audits (kind `evaluation`): they feed `/public/v1/models/evaluation` and the suppliers' `evaluationSet`
   * only, neither the audit count (the new-supplier boost) nor `auditPassRate` nor reputation. A billing
   * failure on an item is still published as evidence (a signed receipt over-billing is evidence whatever
   * the prompt), without a reputation change.
   *
   * The (supplier, item) pairs run one at a time in a shuffled order, `gapMs` × 0.5–1.5 apart (drawn each
   * time), so a run is spread out instead of a burst.
   *
   * @param model - an audited model.
   * @param set - the set. @default AVIARY_EVALUATION_SET
   * @param options - `gapMs`: mean wait between two items. @default 0 (back to back)
   * @example
   * ```ts
   * await monitor.runEvaluationSet("llama", AVIARY_EVALUATION_SET, { gapMs: 5_000 });
   * ```
   */
  async runEvaluationSet(
    model: string,
    set: EvaluationSet = AVIARY_EVALUATION_SET,
    { gapMs = 0 }: { gapMs?: number } = {},
  ): Promise<void> {
    const audited = this.#requireModel(model);
    const suppliers = await this.#parameters.suppliersOf(audited.modelId);
    const runs = new Map(suppliers.map((supplier) => [supplier, { total: 0, passes: 0 }]));
    const queue = suppliers.flatMap((supplier) => set.items.map((item) => ({ supplier, item })));
    for (let index = queue.length - 1; index > 0; index--) {
      const other = Math.floor(this.#random() * (index + 1));
      [queue[index], queue[other]] = [
        queue[other] as (typeof queue)[number],
        queue[index] as (typeof queue)[number],
      ];
    }
    for (const [index, { supplier, item }] of queue.entries()) {
      if (index > 0 && gapMs > 0) await this.#pause(gapMs * (0.5 + this.#random()));
      if (this.#stopped) return;
      const outcome = await this.runAudit({ supplier, model, prompt: item, kind: "evaluation" });
      const run = runs.get(supplier);
      if (outcome.status !== "judged" || !run) continue;
      if (outcome.passed) run.passes++;
      const failed = outcome.verdict.failed?.check;
      if (failed && FIDELITY_FAILURES.has(failed)) continue;
      run.total += 100 * (1 - outcome.verdict.metrics.offTopShare);
    }
    const updatedAt = new Date().toISOString();
    for (const [supplier, { total, passes }] of runs) {
      const score = Math.round((total / set.items.length) * 100) / 100;
      this.#parameters.board.record(model, set.name, {
        address: supplier.address,
        score,
        passRate: Math.round((passes / set.items.length) * 10_000) / 10_000,
        items: set.items.length,
        updatedAt,
      });
      this.#parameters.evaluation.recordEvaluationRun(supplier.address, { model, score, updatedAt });
    }
  }

  /** Waits `ms`, or less when the monitor stops. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#stopping.signal;
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      timer.unref();
      signal.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    });
  }

  /**
   * The sequential tests of covert audits (`SequentialEvidence`): per supplier and model, the accumulated
   * log-likelihood ratio, its threshold, and what it was computed from; only those of `supplier` / `model`
   * when given.
   *
   * @example
   * ```ts
   * monitor.sequentialTests({ supplier: address })[0]?.statistic;
   * ```
   */
  sequentialTests(filter: { supplier?: string; model?: string } = {}): SequentialTestSnapshot[] {
    return this.#sequential
      .list()
      .filter(
        (test) =>
          (filter.supplier === undefined || test.supplier === filter.supplier.toLowerCase()) &&
          (filter.model === undefined || test.model === filter.model),
      );
  }

  /** The latest covert image audits' renders (the gallery's), newest first; none without a gallery. */
  imageAudits(): ImageAuditRender[] {
    return this.#parameters.gallery?.list() ?? [];
  }

  /** Covert audits completed on a supplier for a model (restored ones included; evaluation-set items are not audits). */
  auditsOf(supplier: string, model: string): number {
    return this.#auditCounts.get(this.#key(supplier, model)) ?? 0;
  }

  #key(supplier: string, model: string): string {
    return `${model}\u0000${supplier.toLowerCase()}`;
  }

  /**
   * Relays an audit request through the gateway's own path, restricted to `supplier`, reads the answer to its
   * end like a client, and waits for the verified exchange: the exchange, or why there is none.
   */
  async #relayAudit({
    route,
    body,
    supplier,
    countsForRouting,
    brokenStream,
  }: {
    route: OpenAiRoute;
    body: Record<string, unknown>;
    supplier: AuditTarget;
    countsForRouting: boolean;
    /** Appended to the no-receipt reason (a text audit may have been streamed). */
    brokenStream: string;
  }): Promise<{ exchange: RelayedExchange } | { failure: string }> {
    const bytes = new TextEncoder().encode(
      JSON.stringify({ ...body, provider: { only: [supplier.address], allow_fallbacks: false } }),
    );
    let deliver: (exchange: RelayedExchange) => void = () => {};
    const delivered = new Promise<RelayedExchange>((resolve) => {
      deliver = resolve;
    });
    let response: Response;
    try {
      response = await this.#parameters.relay(
        route,
        bytes,
        { onRelayed: (exchange) => deliver(exchange), countsForRouting },
        AbortSignal.any([AbortSignal.timeout(this.#parameters.config.relayTimeoutMs), this.#stopping.signal]),
      );
      // Read it to the end like a client (a stream flows only while read).
      await response.arrayBuffer();
    } catch (error) {
      return { failure: `the relay threw: ${(error as Error).message.split("\n")[0]}` };
    }
    if (response.status !== 200) return { failure: `HTTP ${response.status}` };
    let timer: NodeJS.Timeout | undefined;
    const exchange = await Promise.race([
      delivered,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), 10_000);
      }),
    ]);
    clearTimeout(timer);
    if (!exchange) return { failure: `the relay completed without a verified receipt${brokenStream}` };
    if (exchange.supplier.address.toLowerCase() !== supplier.address.toLowerCase())
      return { failure: `another supplier answered (${exchange.supplier.address})` };
    return { exchange };
  }

  /** A covert audit's request: like a user's, asking for logprobs at `logprobShare` where they are offered. */
  #drawAuditPrompt(supplier: AuditTarget): AuditPrompt {
    const { config } = this.#parameters;
    const draw = drawAuditPrompt(this.#random, { maxTokens: config.maxTokens });
    const offered = supplier.capabilities?.logprobs === true;
    return offered && this.#random() < config.logprobShare ? requestLogprobs(draw) : draw;
  }

  #requireModel(model: string): AuditedModel {
    const audited = this.#parameters.models.get(model);
    if (!audited) throw new Error(`model "${model}" is not audited by this gateway`);
    return audited;
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#stopped) return;
    this.#ticking = true;
    try {
      const { config, book } = this.#parameters;
      const now = Date.now();
      const scheduled = [
        ...[...this.#parameters.models.values()].map((model) => ({ ...model, image: false })),
        ...[...(this.#parameters.imageModels?.values() ?? [])].map((model) => ({ ...model, image: true })),
      ];
      for (const audited of scheduled) {
        let suppliers: AuditTarget[];
        try {
          suppliers = await this.#parameters.suppliersOf(audited.modelId);
        } catch (error) {
          this.#parameters.logger.warn({ err: error }, "audit schedule: supplier discovery failed");
          continue;
        }
        for (const supplier of suppliers) {
          const key = this.#key(supplier.address, audited.name);
          const rate = auditRate(
            {
              reputation: book.statsFor(supplier, now).reputation,
              auditsSoFar: this.#auditCounts.get(key) ?? 0,
            },
            {
              baseRatePerMinute: config.ratePerMinute,
              newSupplierAudits: config.newSupplierAudits,
              newSupplierBoost: config.newSupplierBoost,
              lowReputationBoost: config.lowReputationBoost,
            },
          );
          const due = this.#nextAuditAt.get(key);
          // The first audit of a supplier is a draw from its rate, never at once: no burst at start.
          if (due === undefined) {
            this.#nextAuditAt.set(key, now + nextAuditDelay(rate, this.#random));
            continue;
          }
          if (now < due) continue;
          // Due while the audit slots are taken: draw again rather than queue, so audits never fire back to
          // back when a slot frees (the process stays memoryless; the rate only drops while saturated).
          if (this.#running.size >= config.maxConcurrent) {
            this.#nextAuditAt.set(key, now + nextAuditDelay(rate, this.#random));
            continue;
          }
          this.#nextAuditAt.set(key, Number.POSITIVE_INFINITY);
          void (
            audited.image
              ? this.runImageAudit({ supplier, model: audited.name })
              : this.runAudit({ supplier, model: audited.name })
          )
            .then(
              (outcome) => {
                if (outcome.status === "failed")
                  this.#parameters.logger.info({ ...outcome }, "audit relay did not complete");
              },
              (error) => this.#parameters.logger.warn({ err: error }, "audit failed"),
            )
            .finally(() => {
              // The next draw uses the rate after this audit (reputation and count may have changed).
              const after = auditRate(
                {
                  reputation: book.statsFor(supplier, Date.now()).reputation,
                  auditsSoFar: this.#auditCounts.get(key) ?? 0,
                },
                {
                  baseRatePerMinute: config.ratePerMinute,
                  newSupplierAudits: config.newSupplierAudits,
                  newSupplierBoost: config.newSupplierBoost,
                  lowReputationBoost: config.lowReputationBoost,
                },
              );
              this.#nextAuditAt.set(key, Date.now() + nextAuditDelay(after, this.#random));
            });
        }
      }
    } finally {
      this.#ticking = false;
    }
  }

  async #runAudit({
    supplier,
    model,
    prompt,
    kind = "audit",
  }: {
    supplier: AuditTarget;
    model: string;
    prompt?: AuditPrompt;
    kind?: "audit" | "evaluation";
  }): Promise<AuditOutcome> {
    const { config, logger } = this.#parameters;
    const audited = this.#requireModel(model);
    const draw = prompt ?? this.#drawAuditPrompt(supplier);
    const failed = (reason: string): AuditOutcome => ({
      status: "failed",
      supplier: supplier.address,
      model,
      reason,
    });
    const relayed = await this.#relayAudit({
      route: draw.route,
      body: { model, ...draw.body },
      supplier,
      // An evaluation item's success earns no routing standing (its prompts are public and recognisable).
      countsForRouting: kind !== "evaluation",
      brokenStream: " (a broken stream)",
    });
    if ("failure" in relayed) return failed(relayed.failure);
    const { exchange } = relayed;

    const audit = await auditRelayedOutput({
      reference: audited.reference,
      route: exchange.route,
      relayBody: exchange.relayBody,
      response: exchange.response,
      receipt: exchange.receipt,
      thresholds: audited.thresholds,
      // Replayed for the embedded runtime only: other samplers are not the reference's, a replay would only tell that.
      ...(supplier.capabilities?.backend === "embedded"
        ? { relaySeed: relaySamplingSeed(exchange.relayKey) }
        : {}),
    });
    if (!audit.ok) return failed(audit.reason);
    const { verdict } = audit;
    const now = Date.now();
    const evidence: EvidenceRecord[] = [];
    const key = this.#key(supplier.address, model);
    // An evaluation-set item is public, so a cheater can answer it honestly: it feeds the public model
    // evaluation only. Not an audit (count, boost, pass rate), never reputation either way.
    const covert = kind === "audit";
    const billingChecks = verdict.checks.filter((check) => BILLING_CHECKS.has(check.check));
    const billingPassed = billingChecks.every((check) => check.passed);
    if (covert) {
      this.#auditCounts.set(key, (this.#auditCounts.get(key) ?? 0) + 1);
      this.#parameters.evaluation.recordAudit(supplier.address, verdict.passed);
      this.#parameters.evaluation.recordBilling(supplier.address, billingPassed);
    } else {
      this.#parameters.evaluation.recordEvaluationItem(supplier.address, verdict.passed);
    }
    if (verdict.failed) {
      const billing = BILLING_CHECKS.has(verdict.failed.check);
      // A receipt over-billing is evidence whatever the prompt: published for evaluation items too. Their
      // fidelity failures are in the published score instead.
      if (covert || billing) {
        evidence.push(
          evidenceFromExchange({
            exchange,
            kind: billing ? "billing" : "audit",
            check: verdict.failed,
            values: { ...verdict.metrics, temperature: audit.request.temperature },
            includeBody: true,
            now,
          }),
        );
      }
      if (covert)
        this.#parameters.book.recordFailure(supplier, { kind: billing ? "bad-receipt" : "audit-fail", now });
    } else if (covert) {
      this.#parameters.book.recordAuditPass(supplier, { now });
    }

    let distribution: Extract<AuditOutcome, { status: "judged" }>["distribution"] = null;
    if (config.distributionTest && kind === "audit" && verdict.metrics.z !== null) {
      try {
        const result = await this.#distributionTest(audited, audit, exchange, key);
        distribution = result.test;
        if (result.evidence) evidence.push(result.evidence);
      } catch (error) {
        logger.warn({ err: error }, "reference sample failed");
      }
    }

    if (kind === "audit") {
      const accumulated = this.#accumulateEvidence(audited, audit, exchange, now);
      if (accumulated) evidence.push(accumulated);
    }
    await this.#parameters.store.putAudit({
      id: randomUUID(),
      supplier: supplier.address,
      model,
      kind,
      relayKey: exchange.relayKey,
      passed: verdict.passed,
      check: verdict.failed?.check ?? null,
      temperature: audit.request.temperature,
      createdAt: now,
      metrics: JSON.stringify({ ...verdict.metrics, scoringMs: Math.round(audit.scoringMs * 10) / 10 }),
    });
    for (const record of evidence) {
      await this.#parameters.store.putEvidence(record);
      this.#parameters.evaluation.recordEvidence(supplier.address);
    }
    if (!verdict.passed) {
      logger.warn(
        { supplier: supplier.address, model, check: verdict.failed?.check, detail: verdict.failed?.detail },
        "audit failed",
      );
    }
    return {
      status: "judged",
      supplier: supplier.address,
      model,
      kind,
      passed: verdict.passed,
      verdict,
      relayKey: exchange.relayKey,
      temperature: audit.request.temperature,
      stream: exchange.response.kind === "stream",
      evidence,
      scoringMs: audit.scoringMs,
      distribution,
    };
  }

  /**
   * Adds a covert audit's evidence to the supplier's sequential test; when it flags, the same reputation hit
   * as a failed audit (none more when this audit failed too) and the evidence record (the crossing relay, the
   * statistic, the relays behind it).
   */
  #accumulateEvidence(
    audited: AuditedModel,
    audit: Extract<Awaited<ReturnType<typeof auditRelayedOutput>>, { ok: true }>,
    exchange: RelayedExchange,
    now: number,
  ): EvidenceRecord | null {
    const step = this.#sequential.add({
      supplier: exchange.supplier.address,
      model: audited.name,
      weight: audit.evidence,
      relayKey: exchange.relayKey,
      thresholds: audited.thresholds.evidence,
      now,
    });
    if (!step.flagged) return null;
    // An audit that failed on its own has cost its reputation already: one hit per audit.
    if (audit.verdict.passed)
      this.#parameters.book.recordFailure(exchange.supplier, { kind: "audit-fail", now });
    this.#parameters.logger.warn(
      { supplier: exchange.supplier.address, model: audited.name, detail: step.flagged.detail },
      "sequential test flagged",
    );
    return evidenceFromExchange({
      exchange,
      kind: "distribution",
      check: step.flagged,
      values: { ...step.snapshot, relayKeys: step.relayKeys },
      includeBody: true,
      now,
    });
  }

  /** Draws a reference sample for the audited request, scores it the same way, and tests the window. */
  async #distributionTest(
    audited: AuditedModel,
    audit: Extract<Awaited<ReturnType<typeof auditRelayedOutput>>, { ok: true }>,
    exchange: RelayedExchange,
    key: string,
  ): Promise<{ test: DistributionTestResult | null; evidence?: EvidenceRecord }> {
    const { reference, thresholds } = audited;
    const referenceZ = await referenceSampleZ({
      reference,
      request: audit.request,
      thresholds,
      seed: Math.floor(this.#random() * 2 ** 31),
    });
    const test = this.#windows.add(
      key,
      { supplier: audit.verdict.metrics.z ?? 0, reference: referenceZ },
      thresholds.distribution,
    );
    if (!test?.flagged) return { test };
    const check: AuditCheckResult = {
      check: "distribution",
      passed: false,
      value: test.pValue,
      limit: thresholds.distribution.alpha,
      detail: `sampled outputs are less likely under the reference than its own samples: Mann–Whitney U = ${test.u} on ${test.supplierSamples} vs ${test.referenceSamples} outputs, one-sided p = ${test.pValue.toExponential(2)}; limit ${thresholds.distribution.alpha}`,
    };
    const now = Date.now();
    this.#parameters.book.recordFailure(exchange.supplier, { kind: "audit-fail", now });
    return {
      test,
      evidence: {
        ...evidenceFromExchange({ exchange, kind: "distribution", check, includeBody: true, now }),
        relayKey: null,
        request: null,
        receipt: null,
      },
    };
  }

  async #runImageAudit({
    supplier,
    model,
    body: given,
  }: {
    supplier: AuditTarget;
    model: string;
    body?: Record<string, unknown>;
  }): Promise<ImageAuditOutcome> {
    const { logger } = this.#parameters;
    const audited = this.#parameters.imageModels?.get(model);
    if (!audited) throw new Error(`image model "${model}" is not audited by this gateway`);
    const draw =
      given ??
      drawImageAuditRequest(this.#random, {
        sizes: audited.sizes,
        steps: audited.steps,
        maxImages: audited.maxImages,
      });
    const failed = (reason: string): ImageAuditOutcome => ({
      status: "failed",
      supplier: supplier.address,
      model,
      reason,
    });
    const relayed = await this.#relayAudit({
      route: "images/generations",
      body: { model, ...draw },
      supplier,
      countsForRouting: true,
      brokenStream: "",
    });
    if ("failure" in relayed) return failed(relayed.failure);
    const { exchange } = relayed;

    const audit = await auditImageExchange({
      pipeline: audited.pipeline,
      comparison: audited.comparison,
      exchange,
      signal: this.#stopping.signal,
    });
    if (!audit.ok) return failed(audit.reason);
    const now = Date.now();
    const key = this.#key(supplier.address, model);
    this.#auditCounts.set(key, (this.#auditCounts.get(key) ?? 0) + 1);
    const billingPassed = audit.checks.every((check) => !BILLING_CHECKS.has(check.check) || check.passed);
    this.#parameters.evaluation.recordAudit(supplier.address, audit.passed);
    this.#parameters.evaluation.recordBilling(supplier.address, billingPassed);
    const evidence: EvidenceRecord[] = [];
    if (audit.failed) {
      const billing = BILLING_CHECKS.has(audit.failed.check);
      evidence.push(
        evidenceFromExchange({
          exchange,
          kind: billing ? "billing" : "audit",
          check: audit.failed,
          values: { distance: audit.distance, comparison: audited.comparison.comparison },
          includeBody: true,
          now,
        }),
      );
      this.#parameters.book.recordFailure(supplier, { kind: billing ? "bad-receipt" : "audit-fail", now });
    } else {
      this.#parameters.book.recordAuditPass(supplier, { now });
    }
    const identical = audit.comparisons.length > 0 && audit.comparisons.every((entry) => entry.identical);
    await this.#parameters.store.putAudit({
      id: randomUUID(),
      supplier: supplier.address,
      model,
      kind: "audit",
      relayKey: exchange.relayKey,
      passed: audit.passed,
      check: audit.failed?.check ?? null,
      temperature: 0,
      createdAt: now,
      metrics: JSON.stringify({
        distance: audit.distance,
        identical,
        images: audit.comparisons.length,
        steps: audit.request.steps,
        renderMs: Math.round(audit.renderMs * 10) / 10,
      }),
    });
    for (const record of evidence) {
      await this.#parameters.store.putEvidence(record);
      this.#parameters.evaluation.recordEvidence(supplier.address);
    }
    if (audit.supplierImage && audit.referenceImage) {
      this.#parameters.gallery?.add({
        supplier: supplier.address,
        model,
        createdAt: new Date(now).toISOString(),
        prompt: audit.request.prompt,
        seed: audit.request.seed,
        steps: audit.request.steps,
        size: audit.request.size,
        passed: audit.passed,
        distance: audit.distance,
        supplierImage: Buffer.from(audit.supplierImage).toString("base64"),
        referenceImage: Buffer.from(audit.referenceImage).toString("base64"),
      });
    }
    if (!audit.passed) {
      logger.warn(
        { supplier: supplier.address, model, check: audit.failed?.check, detail: audit.failed?.detail },
        "image audit failed",
      );
    }
    return {
      status: "judged",
      supplier: supplier.address,
      model,
      passed: audit.passed,
      checks: audit.checks,
      failed: audit.failed,
      distance: audit.distance,
      identical,
      relayKey: exchange.relayKey,
      request: {
        prompt: audit.request.prompt,
        seed: audit.request.seed,
        steps: audit.request.steps,
        size: audit.request.size,
        n: audit.request.n,
      },
      evidence,
      renderMs: audit.renderMs,
    };
  }

  /** The billing audit of a user's image relay: images returned × the body's steps, no input units. */
  #checkImageBilling(exchange: RelayedExchange): Promise<void> {
    return this.#recordBilling(exchange, "image billing check", () => {
      const billing = checkImageBilling(exchange);
      return billing.checked
        ? { ...billing, values: { images: billing.images, steps: billing.steps } }
        : billing;
    });
  }

  /** The billing audit of a text relay: the prompt recounted with the reference tokenizer, output within bounds. */
  #checkBilling(audited: AuditedModel, exchange: RelayedExchange): Promise<void> {
    return this.#recordBilling(exchange, "billing check", () => {
      const billing = checkRelayBilling(audited.reference, exchange);
      return billing.checked
        ? { ...billing, values: { promptTokens: billing.promptTokens, outputBound: billing.outputBound } }
        : billing;
    });
  }

  /** Runs a billing recount; a failure costs reputation and is published as evidence (without the user's body). */
  async #recordBilling(
    exchange: RelayedExchange,
    label: string,
    recount: () =>
      | { checked: false }
      | {
          checked: true;
          passed: boolean;
          failed: Parameters<typeof evidenceFromExchange>[0]["check"] | null;
          values: Record<string, number>;
        },
  ): Promise<void> {
    try {
      const billing = recount();
      if (!billing.checked) return;
      this.#parameters.evaluation.recordBilling(exchange.supplier.address, billing.passed);
      if (billing.passed || !billing.failed) return;
      const now = Date.now();
      const record = evidenceFromExchange({
        exchange,
        kind: "billing",
        check: billing.failed,
        values: billing.values,
        includeBody: false,
        now,
      });
      this.#parameters.book.recordFailure(exchange.supplier, { kind: "bad-receipt", now });
      await this.#parameters.store.putEvidence(record);
      this.#parameters.evaluation.recordEvidence(exchange.supplier.address);
      this.#parameters.logger.warn(
        { supplier: exchange.supplier.address, check: billing.failed.check, detail: billing.failed.detail },
        `${label} failed`,
      );
    } catch (error) {
      this.#parameters.logger.warn({ err: error }, `${label} failed to run`);
    }
  }
}
