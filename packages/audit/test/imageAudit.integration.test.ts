// Image integrity audits on a real local network: devnet, three real supplier nodes serving the generated test
// image model (one honest, one rendering fewer steps than it bills, one serving other weights under the
// registered name), a gateway auditing them through its own relay path and re-rendering on its reference.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import { type GatewayNode, type ImageAuditRender, parseGatewayConfig, startGateway } from "@aviary/gateway";
import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Backend, BackendRequest } from "@aviary/supplier";
import {
  EmbeddedImageBackend,
  parseSupplierConfig,
  type SupplierNode,
  startSupplier,
} from "@aviary/supplier";
import { ensureTestImageModel, testImageModelName, writeTestImageModel } from "@aviary/test-models";
import { type Actor, actor, clients, devnetChainConfig, setUpNetwork } from "@aviary/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compareImages } from "../src/compareImages.ts";
import { createIntegrityMonitor } from "../src/createIntegrityMonitor.ts";
import type { IntegrityMonitor } from "../src/IntegrityMonitor.ts";

const silent = () => pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" });

/** Renders half the steps the body asks for, and bills the full n × steps. */
function fewerStepsBackend(inner: Backend): Backend {
  return {
    description: `fewer-steps:${inner.description}`,
    start: () => inner.start(),
    supports: (route) => inner.supports(route),
    capabilities: () => inner.capabilities(),
    stream: (request) => inner.stream(request),
    close: () => inner.close(),
    async complete(request: BackendRequest) {
      const steps = typeof request.body.steps === "number" ? request.body.steps : 20;
      const n = typeof request.body.n === "number" ? request.body.n : 1;
      const result = await inner.complete({
        ...request,
        body: { ...request.body, steps: Math.max(1, Math.floor(steps / 2)) },
      });
      return { body: result.body, usage: { promptTokens: 0, completionTokens: n * steps } };
    },
  };
}

type Setup = {
  devnet: Devnet;
  suppliers: { owner: Actor; node: SupplierNode; role: "honest" | "fewer-steps" | "other-model" }[];
  gateway: GatewayNode<IntegrityMonitor>;
};

let setup: Setup;

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), "aviary-image-audit-"));
  const model = await ensureTestImageModel({ directory: join(home, "models") });
  const other = await writeTestImageModel({ directory: join(home, "other"), seed: 7 });
  const devnet = await startDevnet({ home, persist: false });
  const c = clients(devnet);
  const owners = [actor(devnet, "supplier-1"), actor(devnet, "supplier-2"), actor(devnet, "supplier-3")];
  const gatewayActor = actor(devnet, "gateway");
  const application = actor(devnet, "application");
  await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    suppliers: owners.map((owner) => ({ owner, operator: owner, inputPrice: 0n, outputPrice: 10n ** 9n })),
    gateway: gatewayActor,
    applications: [{ actor: application, stake: token(1000), delegateTo: gatewayActor }],
    model: { name: testImageModelName, weightsDigest: model.sha256 },
  });
  const roles = ["honest", "fewer-steps", "other-model"] as const;
  const suppliers: Setup["suppliers"] = [];
  for (const [index, owner] of owners.entries()) {
    const config = parseSupplierConfig({
      chain: devnetChainConfig(devnet),
      supplier: owner.address,
      operatorKey: owner.privateKey,
      server: { host: "127.0.0.1", port: 0 },
      dataDir: join(home, `supplier-${index}`),
      models: [
        {
          name: testImageModelName,
          inputPrice: "0",
          outputPrice: (10n ** 9n).toString(),
          backend: { type: "embedded-image", path: model.path, threads: 1 },
        },
      ],
    });
    const node = await startSupplier(config, { logger: silent() });
    const role = roles[index] ?? "honest";
    // The node verified the registered pipeline; what it then serves is up to its operator.
    if (role !== "honest") {
      for (const served of node.models) {
        const backend =
          role === "fewer-steps"
            ? fewerStepsBackend(new EmbeddedImageBackend({ path: model.path }))
            : new EmbeddedImageBackend({ path: other.path });
        await backend.start();
        await served.backend.close();
        served.backend = backend;
      }
    }
    await c.send(owner, {
      address: c.contracts.registry,
      abi: aviaryRegistryAbi,
      functionName: "setSupplierEndpoint",
      args: [node.url],
    });
    suppliers.push({ owner, node, role });
  }
  const gateway = await startGateway(
    parseGatewayConfig({
      chain: devnetChainConfig(devnet),
      gatewayKey: gatewayActor.privateKey,
      applications: [application.address],
      server: { host: "127.0.0.1", port: 0 },
      store: ":memory:",
      audit: {
        enabled: true,
        imageModels: [
          { name: testImageModelName, referencePath: model.path, steps: { min: 4, max: 12 }, maxImages: 2 },
        ],
        // Fast schedule for the test: the loop below also runs audits directly.
        ratePerMinute: 60,
        seed: 14,
        evaluationIntervalMs: null,
        relayTimeoutMs: 30_000,
      },
    }),
    { logger: silent(), integrity: createIntegrityMonitor },
  );
  setup = { devnet, suppliers, gateway };
}, 120_000);

afterAll(async () => {
  await setup?.gateway.stop();
  for (const supplier of setup?.suppliers ?? []) await supplier.node.stop().catch(() => {});
  await setup?.devnet.stop();
});

/** Audits `supplier` up to `limit` times; the 1-based index of the first failed audit, or null. */
async function auditUntilFlagged(role: Setup["suppliers"][number]["role"], limit: number) {
  const supplier = setup.suppliers.find((entry) => entry.role === role);
  if (!supplier || !setup.gateway.integrity) throw new Error("no such supplier or no integrity monitor");
  const target = { address: supplier.owner.address, endpoint: supplier.node.url };
  const outcomes = [];
  for (let index = 0; index < limit; index++) {
    const outcome = await setup.gateway.integrity.runImageAudit({
      supplier: target,
      model: testImageModelName,
    });
    expect(outcome.status, outcome.status === "failed" ? outcome.reason : "").toBe("judged");
    outcomes.push(outcome);
    if (outcome.status === "judged" && !outcome.passed) return { flaggedAt: index + 1, outcomes, supplier };
  }
  return { flaggedAt: null, outcomes, supplier };
}

describe("image integrity audits", () => {
  test("an honest image supplier is never flagged: every audit re-renders to the same bytes", async () => {
    const { flaggedAt, outcomes } = await auditUntilFlagged("honest", 20);
    expect(flaggedAt).toBeNull();
    for (const outcome of outcomes) {
      if (outcome.status !== "judged") continue;
      expect(outcome.identical).toBe(true);
      expect(outcome.distance).toBe(0);
      expect(outcome.evidence).toEqual([]);
    }
    // The draws vary like users' requests.
    const judged = outcomes.flatMap((outcome) => (outcome.status === "judged" ? [outcome.request] : []));
    expect(new Set(judged.map((request) => request.prompt)).size).toBeGreaterThan(5);
    expect(new Set(judged.map((request) => request.steps)).size).toBeGreaterThan(2);
  }, 120_000);

  test("a supplier rendering fewer steps than it bills is flagged within 20 audits, with evidence", async () => {
    const { flaggedAt, outcomes, supplier } = await auditUntilFlagged("fewer-steps", 20);
    expect(flaggedAt).not.toBeNull();
    expect(flaggedAt).toBeLessThanOrEqual(20);
    const last = outcomes.at(-1);
    if (last?.status !== "judged") throw new Error("unreachable");
    expect(last.failed?.check).toBe("image-mismatch");
    expect(last.evidence).toHaveLength(1);
    const evidence = await setup.gateway.store.evidence({ supplier: supplier.owner.address });
    expect(
      evidence.some((record) => record.check === "image-mismatch" && record.request?.includes('"body"')),
    ).toBe(true);
  }, 120_000);

  test("a supplier serving another model under the registered name is flagged within 20 audits", async () => {
    const { flaggedAt, outcomes } = await auditUntilFlagged("other-model", 20);
    expect(flaggedAt).not.toBeNull();
    const last = outcomes.at(-1);
    if (last?.status !== "judged") throw new Error("unreachable");
    expect(last.failed?.check).toBe("image-mismatch");
    expect(last.distance).toBeGreaterThan(0.05);
  }, 120_000);

  test("the billing audit recounts a user's image relay: over-billing is evidence without the user's prompt", async () => {
    const supplier = setup.suppliers.find((entry) => entry.role === "fewer-steps");
    if (!supplier) throw new Error("no fewer-steps supplier");
    const { key } = await setup.gateway.store.createKey({ name: "user" });
    // A user asking for 8 steps is billed 8 by the cheater (it renders 4): the recount cannot see the steps
    // rendered, only the bill against the body — so the cheater's bill passes it; its renders fail audits.
    const before = (await setup.gateway.store.evidence({ supplier: supplier.owner.address })).length;
    const response = await fetch(`${setup.gateway.url}/v1/images/generations`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: testImageModelName,
        prompt: "a private user prompt",
        size: "64x64",
        steps: 8,
        provider: { only: [supplier.owner.address], allow_fallbacks: false },
      }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await setup.gateway.store.evidence({ supplier: supplier.owner.address });
    expect(after.length).toBe(before);
    expect(after.some((record) => record.request?.includes("a private user prompt"))).toBe(false);
  }, 60_000);

  test("GET /public/v1/audits/images publishes the latest audit renders, bounded per supplier", async () => {
    const response = await fetch(`${setup.gateway.url}/public/v1/audits/images`);
    expect(response.status).toBe(200);
    const { audits } = (await response.json()) as { audits: ImageAuditRender[] };
    expect(audits.length).toBeGreaterThan(0);
    const perSupplier = new Map<string, number>();
    for (const audit of audits) perSupplier.set(audit.supplier, (perSupplier.get(audit.supplier) ?? 0) + 1);
    for (const count of perSupplier.values()) expect(count).toBeLessThanOrEqual(4);
    expect(audits.some((audit) => audit.prompt === "a private user prompt")).toBe(false);
    const honest = setup.suppliers.find((entry) => entry.role === "honest")?.owner.address.toLowerCase();
    for (const audit of audits) {
      expect(audit.model).toBe(testImageModelName);
      const pair = compareImages(
        new Uint8Array(Buffer.from(audit.supplierImage, "base64")),
        new Uint8Array(Buffer.from(audit.referenceImage, "base64")),
      );
      // The gallery shows the first image; the audit's distance is the largest over its images.
      expect(pair.distance).toBeLessThanOrEqual(audit.distance + 1e-9);
      if (audit.supplier.toLowerCase() === honest) expect(audit.passed).toBe(true);
    }
  });
});

describe("image billing recount", () => {
  test("a receipt above images × steps is billing evidence", async () => {
    const { imageBillingChecks } = await import("../src/checkImageBilling.ts");
    const [input, output] = imageBillingChecks({ inputUnits: 0n, outputUnits: 40n }, 2, 10);
    expect(input.passed).toBe(true);
    expect(output.passed).toBe(false);
    expect(output.limit).toBe(20);
    expect(imageBillingChecks({ inputUnits: 3n, outputUnits: 20n }, 2, 10)[0].passed).toBe(false);
    expect(
      imageBillingChecks({ inputUnits: 0n, outputUnits: 20n }, 2, 10).every((check) => check.passed),
    ).toBe(true);
  });
});
