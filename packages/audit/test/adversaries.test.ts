// Integrity end to end (issue 6): a gateway audits five real supplier nodes (anvil, the contracts, the
// embedded runtime on the generated test model) through its own relay path. One is honest; the others serve
// (a) a different model, (b) a Q8_0 copy of the registered F16 weights, (c) inflated output units, (d) cut
// outputs. (a), (c) and (d) must be flagged within 20 audits, the honest one never; (b)'s rate is measured.

import type { GatewayNode } from "@aviary/gateway";
import {
  decodeReceiptHeader,
  recoverRelayReceiptSigner,
  recoverRelayRequestSigner,
  seededRandom,
} from "@aviary/protocol";
import { startTestNetwork, type TestNetwork, testModelName } from "@aviary/testkit/network";
import OpenAI from "openai";
import { type Address, getAddress, type Hex, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditOutcome, IntegrityMonitor } from "../src/IntegrityMonitor.ts";
import { drawAuditPrompt, requestLogprobs } from "../src/statistics/index.ts";
import { type AdversaryKind, createAdversaryBackend } from "./adversaries/createAdversaryBackend.ts";
import { startTestDrivenAuditGateway } from "./startTestDrivenAuditGateway.ts";

const kinds: AdversaryKind[] = ["honest", "other-model", "lower-precision", "inflate", "truncate"];
const maxAudits = 20;

let network: TestNetwork;
let gateway: GatewayNode<IntegrityMonitor>;
const supplierOf = (kind: AdversaryKind) => {
  const supplier = network.suppliers[kinds.indexOf(kind)];
  if (!supplier) throw new Error(`no supplier ${kind}`);
  // As discovery gives them (`GET /v1/supplier`): the embedded runtime, so sampled answers are replayed; no
  // logprobs offered, so the drawn audits ask for none unless a test says so.
  return {
    address: supplier.owner.address,
    endpoint: supplier.endpoint,
    capabilities: { logprobs: false, backend: "embedded" as const },
  };
};
const outcomes = new Map<AdversaryKind, AuditOutcome[]>();

beforeAll(async () => {
  network = await startTestNetwork({
    suppliers: kinds.length,
    modelType: "f16",
    // The honest supplier serves the node's own backend (checked against the registered digest).
    backends: kinds.map((kind) =>
      kind === "honest" ? undefined : (directory: string) => createAdversaryBackend(kind, directory),
    ),
  });
  gateway = await startTestDrivenAuditGateway(network, { seed: 6 });
});

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

describe("covert audits against cheating suppliers", () => {
  it("flags (a) another model, (b) a Q8_0 copy, (c) inflated units and (d) cut outputs; never the honest supplier", async () => {
    const integrity = gateway.integrity;
    if (!integrity) throw new Error("integrity is not enabled");
    for (const kind of kinds) {
      const list: AuditOutcome[] = [];
      outcomes.set(kind, list);
      // Honest and lower-precision suppliers get all 20 audits; the others until their first flag.
      const stopAtFlag = kind === "other-model" || kind === "inflate" || kind === "truncate";
      while (list.length < maxAudits) {
        const outcome = await integrity.runAudit({ supplier: supplierOf(kind), model: testModelName });
        expect(outcome.status, outcome.status === "failed" ? outcome.reason : "").toBe("judged");
        list.push(outcome);
        if (stopAtFlag && outcome.status === "judged" && !outcome.passed) break;
      }
    }
    const judged = (kind: AdversaryKind) =>
      (outcomes.get(kind) ?? []).filter((outcome) => outcome.status === "judged");
    const firstFlag = (kind: AdversaryKind) => judged(kind).findIndex((outcome) => !outcome.passed) + 1;
    const rows = kinds.map((kind) => {
      const list = judged(kind);
      const flagged = list.filter((outcome) => !outcome.passed);
      return {
        supplier: kind,
        audits: list.length,
        flagged: flagged.length,
        auditsToFirstFlag: firstFlag(kind) || null,
        checks: [...new Set(flagged.map((outcome) => outcome.verdict.failed?.check))].join(", "),
      };
    });
    console.table(rows);

    expect(judged("honest")).toHaveLength(maxAudits);
    expect(judged("honest").every((outcome) => outcome.passed)).toBe(true);
    for (const kind of ["other-model", "inflate", "truncate"] as const) {
      expect(firstFlag(kind), kind).toBeGreaterThan(0);
      expect(firstFlag(kind), kind).toBeLessThanOrEqual(maxAudits);
    }
    // The Q8_0 copy serves no logprobs here: its sampled answers, replayed with its relays' seeds, flag it
    // through the sequential test (or a greedy flip through a verdict) within 10 audits.
    const firstEvidence = judged("lower-precision").findIndex(
      (outcome) =>
        !outcome.passed || outcome.evidence.some((record) => record.check === "accumulated-evidence"),
    );
    expect(firstEvidence, "Q8_0 copy without logprobs").toBeGreaterThanOrEqual(0);
    expect(firstEvidence + 1, "Q8_0 copy without logprobs").toBeLessThanOrEqual(10);
    expect(judged("inflate").at(-1)?.verdict.failed?.check).toBe("billing-output");
    expect(["premature-stop", "length-mismatch"]).toContain(judged("truncate").at(-1)?.verdict.failed?.check);
    // The audit mix is the user mix: both streamed and not, greedy and sampled.
    const all = [...outcomes.values()].flat().filter((outcome) => outcome.status === "judged");
    expect(all.some((outcome) => outcome.stream)).toBe(true);
    expect(all.some((outcome) => !outcome.stream)).toBe(true);
    expect(all.some((outcome) => outcome.temperature === 0)).toBe(true);
    expect(all.some((outcome) => outcome.temperature > 0)).toBe(true);
  });

  it("flags the Q8_0 copy within 10 covert audits that ask for logprobs, with accumulated evidence", async () => {
    const integrity = gateway.integrity;
    if (!integrity) throw new Error("integrity is not enabled");
    const random = seededRandom(15);
    const flagged: AuditOutcome[] = [];
    for (let index = 0; index < 10 && flagged.length === 0; index++) {
      const drawn = drawAuditPrompt(random, { maxTokens: { min: 16, max: 40 } });
      // As a share of users would: here every audit asks (the schedule's share is a setting).
      const outcome = await integrity.runAudit({
        supplier: supplierOf("lower-precision"),
        model: testModelName,
        prompt: requestLogprobs(drawn),
      });
      if (outcome.status === "judged" && outcome.evidence.length > 0) flagged.push(outcome);
    }
    expect(flagged).toHaveLength(1);
    const checks = flagged[0]?.status === "judged" ? flagged[0].evidence.map((record) => record.check) : [];
    console.log("Q8_0 flagged with", checks);
    const response = await fetch(`${gateway.url}/public/v1/evidence?limit=100`);
    const { evidence } = (await response.json()) as {
      evidence: Array<{ supplier: string; check: string; kind: string }>;
    };
    const against = evidence.filter(
      (record) => record.supplier === getAddress(supplierOf("lower-precision").address),
    );
    expect(against.length).toBeGreaterThan(0);
    if (checks.includes("accumulated-evidence"))
      expect(
        against.some((record) => record.check === "accumulated-evidence" && record.kind === "distribution"),
      ).toBe(true);
  });

  it("publishes each supplier's sequential test; the honest supplier's never flags", () => {
    const integrity = gateway.integrity;
    if (!integrity) throw new Error("integrity is not enabled");
    console.table(
      kinds.map((kind) => {
        const test = integrity.sequentialTests({ supplier: supplierOf(kind).address })[0];
        return {
          supplier: kind,
          statistic: test?.statistic,
          flags: test?.flags,
          flips: test?.flips,
          replayed: test?.replayedTokens,
          diverged: test?.replayDivergences,
        };
      }),
    );
    const [honest] = integrity.sequentialTests({
      supplier: supplierOf("honest").address,
      model: testModelName,
    });
    expect(honest).toMatchObject({ model: testModelName, flags: 0, threshold: 14 });
    expect(honest?.statistic).toBeLessThan(7);
    // Relayed through the supplier node, its sampled answers replay exactly (protocol.md §8): the node sampled
    // each with the relay's seed, and the gateway replayed it.
    expect(honest?.replayedTokens ?? 0).toBeGreaterThan(0);
    expect(honest?.replayDivergences).toBe(0);
  });

  it("cuts the cheaters' reputation and keeps the honest supplier's", () => {
    const honest = gateway.book.get(supplierOf("honest").address)?.reputation ?? 0;
    expect(honest).toBeGreaterThanOrEqual(80);
    for (const kind of ["other-model", "inflate", "truncate"] as const) {
      expect(gateway.book.get(supplierOf(kind).address)?.reputation ?? 100, kind).toBeLessThan(honest - 40);
    }
  });

  it("publishes evidence: the failed check, the gateway-signed request with its body, the supplier-signed receipt", async () => {
    const response = await fetch(`${gateway.url}/public/v1/evidence?limit=100`);
    expect(response.status).toBe(200);
    const { evidence } = (await response.json()) as {
      evidence: Array<{
        id: string;
        supplier: string;
        model: string;
        kind: string;
        check: string;
        detail: string;
        relayKey: string | null;
        createdAt: string;
        request: { request: Record<string, string>; signature: Hex; body?: string } | null;
        receipt: { receipt: Record<string, string>; signature: Hex; encoded: string } | null;
      }>;
    };
    const against = (kind: AdversaryKind) =>
      evidence.filter((record) => record.supplier === getAddress(supplierOf(kind).address));
    expect(against("honest")).toEqual([]);
    for (const kind of ["other-model", "inflate", "truncate"] as const)
      expect(against(kind).length).toBeGreaterThan(0);
    const record = against("inflate").find((entry) => entry.check === "billing-output");
    expect(record).toMatchObject({
      kind: "billing",
      model: testModelName,
      relayKey: expect.stringMatching(/^0x/),
    });
    expect(record?.detail).toMatch(/the receipt bills \d+ completion tokens; the output is \d+ tokens/);
    // Anyone can check it: the request is the gateway's, the receipt the supplier's, the body the request's.
    const domain = {
      chainId: network.devnet.chainId,
      verifyingContract: network.devnet.contracts.settlement as Address,
    };
    const signed = record?.request;
    if (!signed?.body || !record?.receipt) throw new Error("incomplete evidence");
    const request = {
      application: signed.request.application as Address,
      supplier: signed.request.supplier as Address,
      model: signed.request.model as Hex,
      session: BigInt(signed.request.session as string),
      nonce: BigInt(signed.request.nonce as string),
      bodyHash: signed.request.bodyHash as Hex,
      inputPrice: BigInt(signed.request.inputPrice as string),
      outputPrice: BigInt(signed.request.outputPrice as string),
      maxCost: BigInt(signed.request.maxCost as string),
    };
    expect(await recoverRelayRequestSigner({ domain, request, signature: signed.signature })).toBe(
      getAddress(network.gateway.address),
    );
    expect(keccak256(toHex(signed.body))).toBe(request.bodyHash);
    const receipt = decodeReceiptHeader(record.receipt.encoded);
    expect(
      await recoverRelayReceiptSigner({ domain, receipt: receipt.receipt, signature: receipt.signature }),
    ).toBe(getAddress(supplierOf("inflate").address));
    expect((await fetch(`${gateway.url}/public/v1/evidence?supplier=nope`)).status).toBe(400);
  });

  it("publishes each supplier's evaluation, the explorer's shape", async () => {
    // A few user relays (streamed, to measure TTFT) so availability and latency have samples.
    const apiKey = (await gateway.store.createKey({ name: "users" })).key;
    const client = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    for (let index = 0; index < 3; index++) {
      // `provider` is the gateway's routing extension of the OpenAI body.
      const parameters = {
        model: testModelName,
        messages: [{ role: "user", content: `Hello ${index}` }],
        max_tokens: 8,
        stream: true,
        provider: { only: [supplierOf("honest").address] },
      } as OpenAI.ChatCompletionCreateParamsStreaming;
      const stream = await client.chat.completions.create(parameters);
      for await (const _ of stream) void _;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await fetch(`${gateway.url}/public/v1/suppliers`);
    const { suppliers } = (await response.json()) as {
      suppliers: Array<{
        address: string;
        reputation: number;
        probation: boolean;
        evaluation: Record<string, unknown>;
      }>;
    };
    const byAddress = (kind: AdversaryKind) =>
      suppliers.find((entry) => entry.address.toLowerCase() === supplierOf(kind).address.toLowerCase());
    const honest = byAddress("honest");
    expect(honest?.evaluation).toMatchObject({
      availability: 1,
      ttftMs: { p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number) },
      tokensPerSecond: { p50: expect.any(Number), p90: expect.any(Number) },
      audits: maxAudits,
      auditPassRate: 1,
      billingAccuracy: 1,
      flagged: false,
      price: [{ model: testModelName, inputPrice: expect.any(String), outputPrice: expect.any(String) }],
    });
    for (const kind of ["other-model", "inflate", "truncate"] as const) {
      expect(byAddress(kind)?.evaluation, kind).toMatchObject({ flagged: true });
      expect(byAddress(kind)?.evaluation.auditPassRate as number).toBeLessThan(1);
    }
    expect(byAddress("inflate")?.evaluation.billingAccuracy as number).toBeLessThan(1);
    // User relays of an audited model are billing-checked too (and pass for the honest supplier).
    const records = await gateway.store.audits({ supplier: supplierOf("honest").address });
    expect(records).toHaveLength(maxAudits);
  });

  it("scores suppliers on the fixed evaluation set", async () => {
    const integrity = gateway.integrity;
    if (!integrity) throw new Error("integrity is not enabled");
    const set = {
      name: "aviary-eval-test",
      items: [
        {
          route: "chat/completions" as const,
          body: {
            messages: [{ role: "user", content: "Why is the sky blue?" }],
            max_tokens: 16,
            temperature: 0,
          },
          stream: false,
        },
        {
          route: "completions" as const,
          body: { prompt: "Once upon a time,", max_tokens: 16, temperature: 0 },
          stream: false,
        },
      ],
    };
    await integrity.runEvaluationSet(testModelName, set);
    const response = await fetch(`${gateway.url}/public/v1/models/evaluation`);
    const { models } = (await response.json()) as {
      models: Array<{
        model: string;
        evaluationSet: string;
        suppliers: Array<{ address: string; score: number; passRate: number }>;
      }>;
    };
    const board = models.find((entry) => entry.model === testModelName);
    expect(board?.evaluationSet).toBe("aviary-eval-test");
    const score = (kind: AdversaryKind) =>
      board?.suppliers.find(
        (entry) => entry.address.toLowerCase() === supplierOf(kind).address.toLowerCase(),
      );
    expect(score("honest")).toMatchObject({ score: 100, passRate: 1 });
    expect(score("other-model")?.score).toBeLessThan(20);
    expect(score("truncate")?.score).toBe(0);
    expect(board?.suppliers[0]?.score).toBe(100);
  });
});
