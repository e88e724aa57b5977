// An image model on the explorer: its row priced per image·step with the suppliers serving it, and a
// supplier's latest image audits (its render beside the reference's) read from a gateway's
// `/public/v1/audits/images`, here a real HTTP server on loopback answering as a gateway does.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import pino from "pino";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayPoller } from "../gateways/GatewayPoller.ts";
import { createExplorerState } from "../indexer/createExplorerState.ts";
import type { ExplorerState, IndexedSupplier } from "../indexer/types.ts";
import { chainStatusView } from "../views/chainStatusView.ts";
import { modelsView } from "../views/modelsView.ts";
import { supplierView } from "../views/supplierView.ts";
import type { ExplorerData } from "../views/types.ts";
import { renderModels } from "./renderModels.ts";
import { renderSupplier } from "./renderSupplier.ts";

const gatewayAddress = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
const audited = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
const unaudited = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const imageModelId = `0x${"11".repeat(32)}` as Hex;
const textModelId = `0x${"22".repeat(32)}` as Hex;
// A 1×1 PNG.
const png =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";
const audit = {
  supplier: audited.toLowerCase(),
  model: "aviary-test-image",
  createdAt: "2026-01-01T00:00:00.000Z",
  prompt: "a lighthouse at dusk",
  seed: 7,
  steps: 4,
  size: "64x64",
  passed: true,
  distance: 0,
  supplierImage: png,
  referenceImage: png,
};

let server: ReturnType<typeof serve>;
let base: string;

beforeAll(async () => {
  const app = new Hono();
  for (const prefix of ["/audited", "/silent"])
    app.get(`${prefix}/public/v1/suppliers`, (context) =>
      context.json({ gateway: gatewayAddress, updatedAt: "2026-01-01T00:00:00.000Z", suppliers: [] }),
    );
  app.get("/audited/public/v1/audits/images", (context) =>
    context.json({ audits: [audit, { ...audit, supplierImage: 42 }] }),
  );
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const instance = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(instance));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function supplier(address: Address, imagePrice: bigint): IndexedSupplier {
  return {
    address,
    operator: address,
    endpoint: "http://127.0.0.1:9",
    stakedAt: 1n,
    stake: { stake: 10n ** 21n, unbonding: 0n, releaseSession: 0n },
    offers: new Map([
      [
        imageModelId,
        { model: imageModelId, inputPrice: 0n, outputPrice: imagePrice, effectiveSession: 1n, active: true },
      ],
      [
        textModelId,
        {
          model: textModelId,
          inputPrice: 10n ** 9n,
          outputPrice: 3n * 10n ** 9n,
          effectiveSession: 1n,
          active: true,
        },
      ],
    ]),
    lockedCollateral: 0n,
    slashed: 0n,
  };
}

function state(): ExplorerState {
  const indexed = createExplorerState();
  const model = {
    source: audited,
    sourceShareBps: 1000,
    registeredAt: 1n,
    probabilityWad: undefined,
    uri: "file:///m",
  };
  indexed.models.set(textModelId, {
    ...model,
    id: textModelId,
    name: "aviary-test-model",
    weightsDigest: `0x${"33".repeat(32)}`,
    kind: "chat",
  });
  indexed.models.set(imageModelId, {
    ...model,
    id: imageModelId,
    name: "aviary-test-image",
    weightsDigest: `0x${"44".repeat(32)}`,
    kind: "image",
  });
  indexed.suppliers.set(audited, supplier(audited, 10n ** 12n));
  indexed.suppliers.set(unaudited, supplier(unaudited, 4n * 10n ** 12n));
  return indexed;
}

describe("image models on the explorer", () => {
  it("lists the image model priced per image·step with the suppliers serving it", () => {
    const data: ExplorerData = { state: state(), gateways: [] };
    const { models } = modelsView(data);
    const image = models.find((model) => model.id === imageModelId);
    expect(image).toMatchObject({
      kind: "image",
      priceUnit: "image·step",
      suppliers: 2,
      servingSuppliers: [audited, unaudited],
      outputPrices: { min: 10n ** 12n, max: 4n * 10n ** 12n },
    });
    expect(models.find((model) => model.id === textModelId)?.priceUnit).toBe("token");
    const page = String(renderModels(models, chainStatusView(data.state)));
    const row = page.slice(page.indexOf(`data-model-id="${imageModelId}"`));
    expect(row).toMatch(/data-testid="model-price" data-unit="image·step"/);
    expect(row).toContain("0.001–0.004 AVY / 1K image·steps");
    expect(row.slice(0, row.indexOf("</tr>"))).not.toContain("1M tokens");
  });

  it("shows a supplier's latest image audits beside the reference's, and says so when there are none", async () => {
    const poller = new GatewayPoller({ gateways: [`${base}/audited`], logger: pino({ level: "silent" }) });
    await poller.poll();
    // The malformed entry is dropped, the good one kept.
    expect(poller.statuses[0]?.imageAudits).toHaveLength(1);
    const data: ExplorerData = { state: state(), gateways: poller.statuses };
    const view = supplierView(data, audited);
    expect(view?.imageAudits).toEqual([{ ...audit, supplier: audited, gateway: `${base}/audited` }]);
    const page = String(renderSupplier(view as NonNullable<typeof view>, chainStatusView(data.state)));
    expect(page).toContain('data-testid="image-audit" data-passed="true"');
    expect(page).toContain(
      `data-testid="image-audit-supplier" alt="the supplier's render" src="data:image/png;base64,${png}"`,
    );
    expect(page).toContain(
      `data-testid="image-audit-reference" alt="the reference's render" src="data:image/png;base64,${png}"`,
    );
    expect(page).toContain("a lighthouse at dusk");
    expect(page).toContain("0.001 AVY / 1K image·steps");
    expect(page).not.toContain("image-audits-empty");

    // Another supplier, a gateway without the route, and an unreachable one: a clear line, no renders.
    const silent = new GatewayPoller({
      gateways: [`${base}/silent`, "http://127.0.0.1:9"],
      logger: pino({ level: "silent" }),
      timeoutMs: 1000,
    });
    await silent.poll();
    expect(silent.statuses.map((status) => status.imageAudits)).toEqual([null, null]);
    for (const [gateways, address] of [
      [poller.statuses, unaudited],
      [silent.statuses, audited],
    ] as const) {
      const other = supplierView({ state: state(), gateways }, address);
      const html = String(renderSupplier(other as NonNullable<typeof other>, chainStatusView(data.state)));
      expect(html).toContain('data-testid="image-audits-empty">No image audits yet.');
      expect(html).not.toContain('data-testid="image-audit"');
    }
  });
});
