import { describe, expect, it } from "vitest";
import {
  gatewayEvidenceResponseSchema,
  gatewayModelEvaluationsResponseSchema,
  gatewaySuppliersResponseSchema,
} from "./schemas.ts";

const supplier = {
  address: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
  endpoint: "http://127.0.0.1:7001",
  reputation: 83,
  ttftMs: null,
  tokensPerSecond: 41.5,
  latencyMs: null,
  errorRate: 0,
  successes: 3,
  failures: 0,
  probation: false,
};

describe("gateway public API schemas", () => {
  it("parses today's answer (no evaluation), with unmeasured numbers as null and the address checksummed", () => {
    const parsed = gatewaySuppliersResponseSchema.parse({
      gateway: "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
      updatedAt: "2025-01-01T00:00:00.000Z",
      suppliers: [supplier],
    });
    expect(parsed.gateway).toBe("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    expect(parsed.suppliers[0]).toMatchObject({
      address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      ttftMs: null,
      tokensPerSecond: 41.5,
    });
    expect(parsed.suppliers[0]?.evaluation).toBeUndefined();
  });

  it("keeps an evaluation and unknown fields; a malformed evaluation hides only the evaluation", () => {
    const evaluation = {
      availability: 0.99,
      ttftMs: { p50: 120, p90: 300, p99: null },
      tokensPerSecond: { p50: 40, p90: null },
      audits: 12,
      auditPassRate: 1,
      billingAccuracy: null,
      flagged: false,
      newMetric: "kept",
    };
    const parsed = gatewaySuppliersResponseSchema.parse({
      gateway: "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
      updatedAt: "now",
      extra: true,
      suppliers: [
        { ...supplier, evaluation },
        { ...supplier, evaluation: { availability: "high" } },
      ],
    });
    expect(parsed.suppliers[0]?.evaluation).toEqual(evaluation);
    expect(parsed.suppliers[1]?.evaluation).toBeUndefined();
  });

  it("rejects an answer that is not the documented shape", () => {
    expect(gatewaySuppliersResponseSchema.safeParse({ suppliers: [] }).success).toBe(false);
    expect(
      gatewaySuppliersResponseSchema.safeParse({
        gateway: "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
        updatedAt: "now",
        suppliers: [{ ...supplier, address: "not an address" }],
      }).success,
    ).toBe(false);
  });

  it("parses published evidence", () => {
    const parsed = gatewayEvidenceResponseSchema.parse({
      evidence: [
        {
          id: 7,
          supplier: supplier.address,
          model: "aviary-test-model-f32",
          kind: "audit",
          check: "billing",
          detail: "billed 120 tokens for 100",
          relayKey: null,
          createdAt: "2025-01-01T00:00:00.000Z",
        },
      ],
    });
    expect(parsed.evidence[0]?.supplier).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  });

  it("keeps the fields evidence carries beyond the documented ones (values, request, receipt, gateway)", () => {
    const entry = {
      id: "ev-1",
      supplier: supplier.address,
      model: "aviary-test-model-f32",
      kind: "audit",
      check: "billing",
      detail: null,
      values: { billed: 120, counted: 100 },
      relayKey: "0x01",
      createdAt: "2025-01-01T00:00:00.000Z",
      request: { nonce: "1", signature: "0xabc" },
      receipt: "not json, kept as text",
    };
    const parsed = gatewayEvidenceResponseSchema.parse({
      gateway: "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
      evidence: [entry],
    });
    expect(parsed.evidence[0]).toMatchObject({
      values: entry.values,
      request: entry.request,
      receipt: entry.receipt,
    });
    expect(parsed.gateway).toBe("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
  });
});

describe("GET /public/v1/models/evaluation schema", () => {
  const score = {
    address: supplier.address,
    score: 98.5,
    passRate: 1,
    items: 12,
    updatedAt: "2025-01-01T00:00:00.000Z",
  };

  it("parses the gateway's answer, checksumming addresses and keeping unknown fields", () => {
    const parsed = gatewayModelEvaluationsResponseSchema.parse({
      gateway: "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
      updatedAt: "2025-01-01T00:00:00.000Z",
      models: [
        { model: "aviary-test-model-f32", evaluationSet: "aviary-eval-v1", suppliers: [score], note: 1 },
      ],
    });
    expect(parsed.gateway).toBe("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    expect(parsed.models).toEqual([
      {
        model: "aviary-test-model-f32",
        evaluationSet: "aviary-eval-v1",
        note: 1,
        suppliers: [{ ...score, address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }],
      },
    ]);
  });

  it("tolerates missing optional fields and drops only the malformed entries", () => {
    const parsed = gatewayModelEvaluationsResponseSchema.parse({
      // No gateway or updatedAt: the poller knows the gateway from /public/v1/suppliers.
      models: [
        {
          model: "aviary-test-model-f32",
          evaluationSet: "aviary-eval-v1",
          suppliers: [
            { address: supplier.address, score: 40 },
            { ...score, address: "not an address" },
            { ...score, score: "high" },
          ],
        },
        { model: "no-set", suppliers: [score] },
        "garbage",
      ],
    });
    expect(parsed.gateway).toBeUndefined();
    expect(parsed.models).toHaveLength(1);
    expect(parsed.models[0]?.suppliers).toEqual([
      { address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", score: 40 },
    ]);
  });

  it("rejects garbage (the poller then hides the scores)", () => {
    for (const garbage of [null, "oops", [], { models: "many" }, { gateway: "0x00" }]) {
      expect(gatewayModelEvaluationsResponseSchema.safeParse(garbage).success, JSON.stringify(garbage)).toBe(
        false,
      );
    }
  });
});
