// Issue 15: a cheater that answers the public evaluation set honestly and cheats on everything else. Three
// real supplier nodes (anvil, the contracts, the embedded runtime on the generated test model): one honest,
// two behind a backend that recognizes the evaluation set's prompts (they are public) and answers them with
// the registered weights, and otherwise serves (a) another model or (d) cut outputs. The evaluation set must
// gain them nothing (no audit counted, no reputation or routing standing); the covert audits must flag them.

import type { GatewayNode } from "@aviary/gateway";
import type { RuntimeCapabilities } from "@aviary/protocol";
import { INITIAL_REPUTATION } from "@aviary/sdk";
import type {
  Backend,
  BackendRequest,
  BackendResponse,
  BackendRoute,
  BackendStreamEvent,
} from "@aviary/supplier";
import { startTestNetwork, type TestNetwork, testModelName } from "@aviary/testkit/network";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AuditOutcome, IntegrityMonitor } from "../src/IntegrityMonitor.ts";
import { AVIARY_EVALUATION_SET } from "../src/statistics/index.ts";
import { createAdversaryBackend } from "./adversaries/createAdversaryBackend.ts";
import { startTestDrivenAuditGateway } from "./startTestDrivenAuditGateway.ts";

const textsOf = (body: Record<string, unknown>) =>
  JSON.stringify(
    Array.isArray(body.messages)
      ? body.messages.map((message) => (message as { content?: unknown }).content)
      : body.prompt,
  );
const evaluationTexts = new Set(AVIARY_EVALUATION_SET.items.map((item) => textsOf(item.body)));

/**
 * A supplier's backend that knows the public evaluation set: its items go to the honest backend, anything
 * else to the cheating one. Counts both.
 */
class EvaluationAwareCheater implements Backend {
  readonly description: string;
  evaluationRequests = 0;
  cheatedRequests = 0;
  constructor(
    private readonly honest: Backend,
    private readonly cheat: Backend,
  ) {
    this.description = `evaluation-aware(${honest.description} / ${cheat.description})`;
  }

  #route(request: BackendRequest): Backend {
    if (evaluationTexts.has(textsOf(request.body))) {
      this.evaluationRequests++;
      return this.honest;
    }
    this.cheatedRequests++;
    return this.cheat;
  }

  async start(): Promise<void> {
    await Promise.all([this.honest.start(), this.cheat.start()]);
  }
  supports(route: BackendRoute): boolean {
    return this.honest.supports(route);
  }
  capabilities(): RuntimeCapabilities {
    return this.honest.capabilities();
  }
  complete(request: BackendRequest): Promise<BackendResponse> {
    return this.#route(request).complete(request);
  }
  stream(request: BackendRequest): AsyncIterable<BackendStreamEvent> {
    return this.#route(request).stream(request);
  }
  countTokens(text: string): Promise<number> {
    return this.honest.countTokens?.(text) ?? Promise.resolve(0);
  }
  async close(): Promise<void> {
    await Promise.all([this.honest.close(), this.cheat.close()]);
  }
}

const kinds = ["honest", "other-model", "truncate"] as const;
type Kind = (typeof kinds)[number];
const maxCovertAudits = 10;

let network: TestNetwork;
let gateway: GatewayNode<IntegrityMonitor>;
const cheaters = new Map<Kind, EvaluationAwareCheater>();
const supplierOf = (kind: Kind) => {
  const supplier = network.suppliers[kinds.indexOf(kind)];
  if (!supplier) throw new Error(`no supplier ${kind}`);
  return { address: supplier.owner.address, endpoint: supplier.endpoint };
};
const integrity = () => {
  if (!gateway.integrity) throw new Error("integrity is not enabled");
  return gateway.integrity;
};

beforeAll(async () => {
  network = await startTestNetwork({
    suppliers: kinds.length,
    modelType: "f16",
    backends: kinds.map((kind) =>
      kind === "honest"
        ? undefined
        : async (directory: string) => {
            const cheater = new EvaluationAwareCheater(
              await createAdversaryBackend("honest", directory),
              await createAdversaryBackend(kind, directory),
            );
            cheaters.set(kind, cheater);
            return cheater;
          },
    ),
  });
  gateway = await startTestDrivenAuditGateway(network, { distributionTest: false, seed: 15 });
});

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

describe("a cheater that answers the evaluation set honestly", () => {
  test("test_evaluationSet_honestAnswers_gainNoAuditsAndNoAuditReputation", async () => {
    await integrity().runEvaluationSet(testModelName);
    const items = AVIARY_EVALUATION_SET.items.length;
    for (const kind of ["other-model", "truncate"] as const) {
      // It recognized every item and answered it with the registered weights.
      expect(cheaters.get(kind)?.evaluationRequests, kind).toBe(items);
      expect(cheaters.get(kind)?.cheatedRequests, kind).toBe(0);
    }
    for (const kind of kinds) {
      const { address } = supplierOf(kind);
      // Not audits: the new-supplier boost is intact, the covert pass rate unmeasured.
      expect(integrity().auditsOf(address, testModelName), kind).toBe(0);
      expect(gateway.evaluation.evaluation(address), kind).toMatchObject({
        audits: 0,
        auditPassRate: null,
        billingAccuracy: null,
        evaluationSet: { runs: 1, items, passRate: 1, score: 100 },
      });
      // No standing earned: an evaluation relay's success feeds neither reputation nor routing statistics.
      const stats = gateway.book.get(address);
      expect(stats?.successes ?? 0, kind).toBe(0);
      expect(stats?.reputation ?? INITIAL_REPUTATION, kind).toBe(INITIAL_REPUTATION);
      const records = await gateway.store.audits({ supplier: address });
      expect(records, kind).toHaveLength(items);
      expect(records.every((record) => record.kind === "evaluation")).toBe(true);
      expect(await gateway.store.evidence({ supplier: address }), kind).toEqual([]);
    }
  });

  test("test_covertAudits_evaluationAwareCheaters_flaggedWithin10", async () => {
    const outcomes = new Map<Kind, Extract<AuditOutcome, { status: "judged" }>[]>();
    for (const kind of kinds) {
      const list: Extract<AuditOutcome, { status: "judged" }>[] = [];
      outcomes.set(kind, list);
      while (list.length < (kind === "honest" ? 5 : maxCovertAudits)) {
        const outcome = await integrity().runAudit({ supplier: supplierOf(kind), model: testModelName });
        if (outcome.status !== "judged") throw new Error(`${kind}: ${outcome.reason}`);
        list.push(outcome);
        if (!outcome.passed) break;
      }
    }
    const firstFlag = (kind: Kind) => (outcomes.get(kind) ?? []).findIndex((outcome) => !outcome.passed) + 1;
    console.table(
      kinds.map((kind) => ({
        supplier: kind,
        audits: outcomes.get(kind)?.length,
        auditsToFirstFlag: firstFlag(kind) || null,
        check: outcomes.get(kind)?.at(-1)?.verdict.failed?.check ?? null,
      })),
    );
    expect(outcomes.get("honest")?.every((outcome) => outcome.passed)).toBe(true);
    for (const kind of ["other-model", "truncate"] as const) {
      expect(firstFlag(kind), kind).toBeGreaterThan(0);
      expect(firstFlag(kind), kind).toBeLessThanOrEqual(maxCovertAudits);
      // No covert audit was an evaluation item: every one reached the cheating backend.
      expect(cheaters.get(kind)?.evaluationRequests, kind).toBe(AVIARY_EVALUATION_SET.items.length);
      expect(cheaters.get(kind)?.cheatedRequests, kind).toBe(outcomes.get(kind)?.length);
      expect(integrity().auditsOf(supplierOf(kind).address, testModelName), kind).toBe(firstFlag(kind));
    }
    const honest = gateway.book.get(supplierOf("honest").address)?.reputation ?? 0;
    for (const kind of ["other-model", "truncate"] as const)
      expect(gateway.book.get(supplierOf(kind).address)?.reputation ?? 100, kind).toBeLessThan(honest - 40);
  });

  test("test_publicRoutes_reportEvaluationApartFromAudits", async () => {
    const response = await fetch(`${gateway.url}/public/v1/suppliers`);
    expect(response.status).toBe(200);
    const { suppliers } = (await response.json()) as {
      suppliers: Array<{ address: string; reputation: number; evaluation: Record<string, unknown> }>;
    };
    const item = (kind: Kind) =>
      suppliers.find((entry) => entry.address.toLowerCase() === supplierOf(kind).address.toLowerCase());
    const evaluationSet = { runs: 1, items: AVIARY_EVALUATION_SET.items.length, passRate: 1, score: 100 };
    expect(item("honest")?.evaluation).toMatchObject({
      audits: 5,
      auditPassRate: 1,
      flagged: false,
      evaluationSet: { ...evaluationSet, updatedAt: expect.any(String) },
    });
    for (const kind of ["other-model", "truncate"] as const) {
      // Perfect on the public set, flagged by the covert audits: both published, apart.
      expect(item(kind)?.evaluation, kind).toMatchObject({ flagged: true, evaluationSet });
      expect(item(kind)?.evaluation.auditPassRate as number, kind).toBeLessThan(1);
    }
    const scores = (await (await fetch(`${gateway.url}/public/v1/models/evaluation`)).json()) as {
      models: Array<{
        model: string;
        evaluationSet: string;
        suppliers: Array<{ address: string; score: number }>;
      }>;
    };
    const board = scores.models.find((entry) => entry.model === testModelName);
    expect(board?.evaluationSet).toBe(AVIARY_EVALUATION_SET.name);
    expect(board?.suppliers.map((entry) => entry.score)).toEqual([100, 100, 100]);
  });
});
