// When the integrity loop sends its requests, without a network: a stand-in relay records the time of every
// request the monitor sends (and answers 503, so no reference is needed). Covert audits arrive like users
// (Poisson per supplier, the first one drawn from the rate, never a burst at start); the public evaluation
// set is spread over time; evaluation-set runs are not audits.

import type { GatewayStore } from "@aviary/gateway";
import {
  type AuditConfig,
  auditConfigSchema,
  ModelEvaluationBoard,
  SupplierEvaluationBook,
} from "@aviary/gateway";
import { seededRandom } from "@aviary/protocol";
import type { SupplierStatsBook } from "@aviary/sdk";
import pino from "pino";
import type { Hex } from "viem";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type AuditedModel, IntegrityMonitor } from "../src/IntegrityMonitor.ts";
import { AVIARY_EVALUATION_SET } from "../src/statistics/index.ts";

const model = "aviary-test-model";
const modelId = `0x${"11".repeat(32)}` as Hex;
const suppliers = Array.from({ length: 40 }, (_, index) => ({
  address: `0x${(index + 1).toString(16).padStart(40, "0")}`,
  endpoint: `http://127.0.0.1:${9000 + index}`,
}));

type Sent = { at: number; supplier: string; body: Record<string, unknown> };

function monitorFor(
  config: Partial<AuditConfig>,
  options: { suppliers?: typeof suppliers; holdMs?: number } = {},
) {
  const sent: Sent[] = [];
  const evaluation = new SupplierEvaluationBook();
  const board = new ModelEvaluationBoard();
  const audited = {
    name: model,
    modelId,
    reference: { close: async () => {} },
  } as unknown as AuditedModel;
  const monitor = new IntegrityMonitor({
    config: auditConfigSchema.parse({
      enabled: true,
      models: [{ name: model, referencePath: "x.gguf" }],
      ...config,
    }),
    models: new Map([[model, audited]]),
    store: {} as GatewayStore,
    book: { statsFor: () => ({ reputation: 80 }) } as unknown as SupplierStatsBook,
    evaluation,
    board,
    logger: pino({ level: "silent" }),
    relay: async (_route, bytes, _hooks, signal) => {
      const body = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      const only = (body.provider as { only: string[] }).only[0] ?? "";
      sent.push({ at: Date.now(), supplier: only, body });
      // Held like a slow supplier; ended by the monitor's abort (stop) like a real relay.
      if (options.holdMs) {
        const holdMs = options.holdMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, holdMs);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return new Response("unavailable", { status: 503 });
    },
    suppliersOf: async () => options.suppliers ?? suppliers,
    auditKeyId: "audit-key",
    random: seededRandom(17),
  });
  return { monitor, sent, evaluation, board };
}

const isEvaluationItem = (body: Record<string, unknown>) =>
  AVIARY_EVALUATION_SET.items.some(
    (item) =>
      JSON.stringify(item.body.messages ?? item.body.prompt) === JSON.stringify(body.messages ?? body.prompt),
  );

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("audit timing", () => {
  test("test_schedule_firstAuditDrawnFromTheRate_noBurstAtStart", async () => {
    // 40 new suppliers at 1/min × 4 (new): first audits ~ exponential with mean 15 s.
    const { monitor, sent } = monitorFor({ ratePerMinute: 1, maxConcurrent: 16, evaluationIntervalMs: null });
    const started = Date.now();
    monitor.start(100);
    await vi.advanceTimersByTimeAsync(1_000);
    // In the first second each supplier has a 1 − e^(−1/15) ≈ 6 % chance: nothing like a burst of all 40.
    expect(sent.length).toBeLessThan(8);
    await vi.advanceTimersByTimeAsync(179_000);
    const first = new Map<string, number>();
    for (const request of sent)
      if (!first.has(request.supplier)) first.set(request.supplier, request.at - started);
    expect(first.size).toBe(suppliers.length);
    const delays = [...first.values()];
    const mean = delays.reduce((sum, delay) => sum + delay, 0) / delays.length;
    expect(mean).toBeGreaterThan(9_000);
    expect(mean).toBeLessThan(22_000);
    // Spread: no second holds more than a few first audits.
    const perSecond = new Map<number, number>();
    for (const delay of delays)
      perSecond.set(Math.floor(delay / 1000), (perSecond.get(Math.floor(delay / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    // Covert audits only: no evaluation-set item, and failed relays are not audits.
    expect(sent.some((request) => isEvaluationItem(request.body))).toBe(false);
    expect(monitor.auditsOf(suppliers[0]?.address ?? "", model)).toBe(0);
    await monitor.stop();
  });

  test("test_schedule_busySlots_redrawInsteadOfQueueing", async () => {
    // One slot, held 5 s by every audit; two suppliers at 6/min × 4 (new) fall due meanwhile almost always.
    // Queued, every audit would start at the first tick after the previous one ended; drawn again, the next
    // start is a fresh exponential wait.
    const holdMs = 5_000;
    const { monitor, sent } = monitorFor(
      { ratePerMinute: 6, maxConcurrent: 1, evaluationIntervalMs: null },
      { suppliers: suppliers.slice(0, 2), holdMs },
    );
    monitor.start(100);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(sent.length).toBeGreaterThan(30);
    const starts = sent.map((request) => request.at);
    const backToBack = starts.filter(
      (start, index) => index > 0 && start - ((starts[index - 1] ?? 0) + holdMs) <= 150,
    ).length;
    expect(backToBack / (starts.length - 1)).toBeLessThan(0.4);
    await monitor.stop();
  });
});

describe("evaluation set timing", () => {
  test("test_evaluationSet_itemsSpreadOverTime_notABurst", async () => {
    const two = suppliers.slice(0, 2);
    const { monitor, sent, evaluation, board } = monitorFor(
      { ratePerMinute: 0, evaluationIntervalMs: 600_000, evaluationItemGapMs: 5_000 },
      { suppliers: two },
    );
    const started = Date.now();
    monitor.start(1000);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(sent).toHaveLength(0);
    // First run 30–90 s after start, 24 items (12 per supplier) 2.5–7.5 s apart.
    await vi.advanceTimersByTimeAsync(61_000 + 24 * 7_500);
    expect(sent).toHaveLength(2 * AVIARY_EVALUATION_SET.items.length);
    expect(sent.every((request) => isEvaluationItem(request.body))).toBe(true);
    expect((sent[0]?.at ?? 0) - started).toBeGreaterThanOrEqual(30_000);
    for (let index = 1; index < sent.length; index++) {
      const gap = (sent[index]?.at ?? 0) - (sent[index - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(2_500);
      expect(gap).toBeLessThanOrEqual(7_500);
    }
    // The two suppliers' items are interleaved, not one supplier's twelve in a row.
    const firstHalf = sent.slice(0, 12).map((request) => request.supplier);
    expect(new Set(firstHalf).size).toBe(2);
    // Published apart from audits: a run with every relay failed scores 0 and counts no audit.
    const address = two[0]?.address ?? "";
    expect(evaluation.evaluation(address)).toMatchObject({
      audits: 0,
      auditPassRate: null,
      evaluationSet: { runs: 1, items: 0, passRate: null, score: 0 },
    });
    expect(board.snapshot().models[0]?.suppliers).toHaveLength(2);
    expect(monitor.auditsOf(address, model)).toBe(0);
    await monitor.stop();
  });

  test("test_evaluationSet_stop_endsTheRunWithoutWaiting", async () => {
    const { monitor, sent } = monitorFor(
      { ratePerMinute: 0, evaluationIntervalMs: null },
      { suppliers: suppliers.slice(0, 1) },
    );
    const run = monitor.runEvaluationSet(model, AVIARY_EVALUATION_SET, { gapMs: 60_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(1);
    await monitor.stop();
    await run;
    expect(sent).toHaveLength(1);
  });
});

describe("restore", () => {
  test("test_restore_evaluationItemsAreNotAudits", () => {
    const evaluation = new SupplierEvaluationBook();
    const record = (kind: "audit" | "evaluation", passed: boolean) => ({
      id: `${kind}-${Math.random()}`,
      supplier: "0xab",
      model,
      kind,
      relayKey: null,
      passed,
      check: passed ? null : "token-rank",
      temperature: 0,
      createdAt: 0,
      metrics: "{}",
    });
    evaluation.restore(
      [record("audit", true), record("audit", false), record("evaluation", true), record("evaluation", true)],
      [],
    );
    expect(evaluation.evaluation("0xAB")).toMatchObject({
      audits: 2,
      auditPassRate: 0.5,
      evaluationSet: { runs: 0, items: 2, passRate: 1, score: null, updatedAt: null },
    });
    evaluation.recordEvaluationRun("0xab", { model, score: 90, updatedAt: "2026-01-01T00:00:00.000Z" });
    evaluation.recordEvaluationRun("0xab", {
      model: "other",
      score: 70,
      updatedAt: "2026-01-02T00:00:00.000Z",
    });
    expect(evaluation.evaluation("0xab").evaluationSet).toEqual({
      runs: 2,
      items: 2,
      passRate: 1,
      score: 80,
      updatedAt: "2026-01-02T00:00:00.000Z",
    });
  });
});
