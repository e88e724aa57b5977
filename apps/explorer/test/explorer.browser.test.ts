// The explorer end to end in headless Chromium (Debian's `chromium`, driven by playwright-core): every page
// renders real data from a running network, and a full-page screenshot of each is saved under
// apps/explorer/screenshots/ (git-ignored; CI keeps them as artifacts).
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { aviaryRegistryAbi, aviarySettlementAbi } from "@aviary/protocol";
import { launchChromium } from "@aviary/testkit/chromium";
import pino from "pino";
import type { Browser, Page } from "playwright-core";
import { formatUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExplorer } from "../src/index.ts";
import { closedPort } from "./utils/closedPort.ts";
import { type SettledNetwork, startSettledNetwork } from "./utils/settledNetwork.ts";

const screenshots = fileURLToPath(new URL("../screenshots/", import.meta.url));

let network: SettledNetwork;
let explorer: Awaited<ReturnType<typeof startExplorer>>;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  [network, browser] = await Promise.all([startSettledNetwork(), launchChromium()]);
  explorer = await startExplorer({
    rpcUrl: network.devnet.rpcUrl,
    chainId: network.devnet.chainId,
    contracts: network.devnet.contracts,
    gateways: [network.gateway.url, `http://127.0.0.1:${await closedPort()}`],
    pollIntervalMs: 250,
    logger: pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" }),
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await explorer?.stop();
  await network?.stop();
});

/** Opens a page, checks its status and nav bar, and returns after the screenshot is saved. */
async function visit(path: string, screenshot: string, status = 200): Promise<void> {
  const response = await page.goto(`${explorer.url}${path}`, { waitUntil: "load" });
  expect(response?.status(), path).toBe(status);
  await expect.poll(() => page.getByTestId("nav").isVisible()).toBe(true);
  await page.screenshot({ path: `${screenshots}${screenshot}.png`, fullPage: true });
}

const avy = (wei: bigint) => `${formatUnits(wei, 18)} AVY`;
const text = async (testId: string, index = 0) =>
  (await page.getByTestId(testId).nth(index).textContent())?.trim();

async function settledEvent(claimKey: string) {
  const settled = await network.c.publicClient.getContractEvents({
    address: network.c.contracts.settlement,
    abi: aviarySettlementAbi,
    eventName: "Settled",
    fromBlock: 0n,
    strict: true,
  });
  const event = settled.find((log) => log.args.claimKey === claimKey);
  if (!event) throw new Error(`no Settled event for ${claimKey}`);
  return event.args;
}

async function stakeOf(address: `0x${string}`): Promise<bigint> {
  const [stake] = await network.c.publicClient.readContract({
    address: network.c.contracts.registry,
    abi: aviaryRegistryAbi,
    functionName: "supplierStake",
    args: [address],
  });
  return stake;
}

async function collateralOf(address: `0x${string}`): Promise<{ locked: bigint; unlocked: bigint }> {
  const [locked, unlocked] = await network.c.publicClient.readContract({
    address: network.c.contracts.registry,
    abi: aviaryRegistryAbi,
    functionName: "supplierCollateral",
    args: [address],
  });
  return { locked, unlocked };
}

async function slashEvents() {
  const read = <Name extends "ProofMissing" | "EquivocationReported">(eventName: Name) =>
    network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName,
      fromBlock: 0n,
      strict: true,
    });
  const [[missing], [equivocation]] = await Promise.all([read("ProofMissing"), read("EquivocationReported")]);
  if (!missing || !equivocation) throw new Error("expected a ProofMissing and an EquivocationReported event");
  return { missing, equivocation };
}

describe("explorer in headless Chromium (real network)", () => {
  it("overview: stake, participants, relays, tokens paid, charts and gateways", async () => {
    const totalHeld = await network.c.publicClient.readContract({
      address: network.c.contracts.registry,
      abi: aviaryRegistryAbi,
      functionName: "totalHeld",
    });
    const paid = await settledEvent(network.paidClaim);
    await visit("/", "overview");
    expect(await text("overview-total-stake")).toBe(avy(totalHeld));
    expect(await text("overview-suppliers")).toBe("2");
    expect(await text("overview-applications")).toBe("2");
    expect(await text("overview-relays")).toBe("18");
    expect(await text("overview-tokens-paid")).toBe(avy(paid.paid));
    expect(await text("overview-paid-to-sources")).toBe(avy(paid.toSource));
    expect(await text("overview-current-block")).toBe(String(await network.c.publicClient.getBlockNumber()));
    expect(await page.getByTestId("chart-relays-per-session-bar").count()).toBe(1);
    expect(await page.getByTestId("chart-paid-per-session-bar").count()).toBe(1);
    expect(await page.getByTestId("chart-stake-per-supplier-bar").count()).toBe(2);
    expect(await page.locator('[data-testid="gateway-row"][data-reachable="true"]').count()).toBe(1);
    expect(await page.getByTestId("gateway-unreachable").count()).toBe(1);
  });

  it("models: the model with its digest, source, share and usage; its page with what the source earned", async () => {
    await visit("/models", "models");
    const row = page.getByTestId("model-row");
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute("data-model-id")).toBe(network.modelId);
    expect(await text("model-name")).toBe("aviary-test-model-f32");
    expect(await text("model-share")).toBe("10%");
    expect(await text("model-relays")).toBe("18");

    const paid = await settledEvent(network.paidClaim);
    await page.getByTestId("model-name").click();
    await page.waitForURL(`**/models/${network.modelId}`);
    await page.screenshot({ path: `${screenshots}model.png`, fullPage: true });
    expect(await text("model-id")).toBe(network.modelId);
    expect(await text("model-source")).toBe(network.source.address);
    expect(await text("model-uri")).toBe("file://models/test.gguf");
    expect(await text("model-probability")).toBe("100% (initial)");
    expect(await text("model-source-earned")).toBe(avy(paid.toSource));
    expect(await page.getByTestId("offer-row").count()).toBe(2);
    expect(await page.getByTestId("claim-row").count()).toBe(3);

    // The gateway's evaluation-set scores of this model, best first.
    const { evaluated } = network;
    expect(await text("model-evaluation-heading")).toBe(
      `Evaluation on ${evaluated.evaluationSet} (by ${network.gateway.address.slice(0, 8)}…${network.gateway.address.slice(-6)})`,
    );
    const scores = page.getByTestId("model-evaluation-row");
    expect(await scores.count()).toBe(2);
    expect(await scores.nth(0).getAttribute("data-address")).toBe(network.suppliers.cheap.owner.address);
    expect(await scores.nth(0).getByTestId("evaluation-score").textContent()).toBe("96.5");
    expect(await scores.nth(0).getByTestId("evaluation-pass-rate").textContent()).toBe("100.0%");
    expect(await scores.nth(0).getByTestId("evaluation-items").textContent()).toBe("12");
    expect(await scores.nth(0).getByTestId("evaluation-updated").textContent()).toBe(
      evaluated.cheap.updatedAt,
    );
    expect(await scores.nth(1).getAttribute("data-address")).toBe(network.suppliers.expensive.owner.address);
    expect(await scores.nth(1).getByTestId("evaluation-score").textContent()).toBe("41.3");
    expect(await scores.nth(1).getByTestId("evaluation-pass-rate").textContent()).toBe("50.0%");
  });

  it("suppliers: addresses, stakes, measured TTFT and tokens/s, earnings", async () => {
    await visit("/suppliers", "suppliers");
    const cheap = network.suppliers.cheap.owner.address;
    const row = page.locator(`[data-testid="supplier-row"][data-address="${cheap}"]`);
    expect(await page.getByTestId("supplier-row").count()).toBe(2);
    expect(await row.getByTestId("supplier-stake").textContent()).toBe(avy(await stakeOf(cheap)));
    expect(await row.getByTestId("supplier-locked-collateral").textContent()).toBe(
      avy((await collateralOf(cheap)).locked),
    );
    expect(await row.getByTestId("supplier-ttft").textContent()).toBe(`${network.measured.ttftMs} ms`);
    expect(await row.getByTestId("supplier-tokens-per-second").textContent()).toBe(
      network.measured.tokensPerSecond.toFixed(1),
    );
    const paid = await settledEvent(network.paidClaim);
    expect(await row.getByTestId("supplier-earned").textContent()).toBe(avy(paid.toSupplier));
  });

  it("a supplier's page: stake and collateral, offers with prices, measurements, slashes, its settled claim", async () => {
    const cheap = network.suppliers.cheap;
    await visit(`/suppliers/${cheap.owner.address}`, "supplier");
    expect(await text("supplier-address")).toBe(cheap.owner.address);
    expect(await text("supplier-stake")).toBe(avy(await stakeOf(cheap.owner.address)));
    const collateral = await collateralOf(cheap.owner.address);
    expect(collateral.locked).toBeGreaterThan(0n);
    expect(await text("supplier-locked-collateral")).toBe(avy(collateral.locked));
    expect(await text("supplier-unlocked-stake")).toBe(avy(collateral.unlocked));
    // Its one slash: the equivocation on a relay its paid claim proved.
    const { missing, equivocation } = await slashEvents();
    const slash = page.getByTestId("slash-row");
    expect(await slash.count()).toBe(1);
    expect(await slash.getAttribute("data-reason")).toBe("equivocation");
    expect(await slash.getByTestId("slash-reason").textContent()).toBe("equivocation");
    expect(await slash.getByTestId("slash-claim").getAttribute("data-value")).toBe(network.paidClaim);
    expect(await slash.getByTestId("slash-relay").getAttribute("data-value")).toBe(network.equivocatedRelay);
    expect(await slash.getByTestId("slash-amount").getAttribute("data-wei")).toBe(
      String(equivocation.args.slashed),
    );
    expect(await slash.getByTestId("slash-block").textContent()).toBe(String(equivocation.blockNumber));
    expect(await text("supplier-operator")).toBe(cheap.operator.address);
    expect(await page.getByTestId("offer-output-price").getAttribute("data-wei")).toBe(
      String(cheap.outputPrice),
    );
    expect(await text("measurement-ttft")).toBe(`${network.measured.ttftMs} ms`);
    expect(await text("measurement-latency")).toBe(`${network.measured.latencyMs} ms`);
    const paid = await settledEvent(network.paidClaim);
    const claim = page.locator(`[data-testid="claim-row"][data-claim-key="${network.paidClaim}"]`);
    expect(await claim.getByTestId("settled-badge").isVisible()).toBe(true);
    expect(await claim.getByTestId("claim-paid").textContent()).toBe(avy(paid.paid));

    // The expensive supplier's slash: its claim's whole collateral, for the missing proof.
    await visit(`/suppliers/${network.suppliers.expensive.owner.address}`, "supplier-slashed");
    const slashed = page.getByTestId("slash-row");
    expect(await slashed.count()).toBe(1);
    expect(await slashed.getByTestId("slash-reason").textContent()).toBe("missing proof");
    expect(await slashed.getByTestId("slash-claim").getAttribute("data-value")).toBe(network.slashedClaim);
    expect(await slashed.getByTestId("slash-amount").getAttribute("data-wei")).toBe(
      String(missing.args.slashed),
    );
    expect(await slashed.getByTestId("slash-block").textContent()).toBe(String(missing.blockNumber));
  });

  it("sessions: claims → proofs → settlements with status badges and settled amounts", async () => {
    await visit("/sessions", "sessions");
    const card = page.locator(`[data-testid="session-card"][data-session="${network.session}"]`);
    expect(await card.getByTestId("session-phase").textContent()).toBe("settle");
    const paid = await settledEvent(network.paidClaim);
    const settledRow = card.locator(`[data-testid="claim-row"][data-claim-key="${network.paidClaim}"]`);
    expect(await settledRow.getByTestId("settled-badge").textContent()).toBe("settled");
    expect(await settledRow.getByTestId("claim-paid").textContent()).toBe(avy(paid.paid));
    expect(await settledRow.getByTestId("claim-paid").getAttribute("title")).toBe(`${paid.paid} wei`);
    const slashedRow = card.locator(`[data-testid="claim-row"][data-claim-key="${network.slashedClaim}"]`);
    expect(await slashedRow.getByTestId("proof-missing-badge").textContent()).toBe("proof missing");
    // The current session is listed first, live.
    const first = page.getByTestId("session-card").first();
    expect(BigInt((await first.getAttribute("data-session")) ?? "0")).toBeGreaterThan(network.session);
  });

  it("a claim's page: collateral, both drawn leaves of the proof, the settlement split and slashes", async () => {
    const paid = await settledEvent(network.paidClaim);
    const [proven] = await network.c.publicClient.getContractEvents({
      address: network.c.contracts.settlement,
      abi: aviarySettlementAbi,
      eventName: "Proven",
      fromBlock: 0n,
      strict: true,
    });
    if (!proven) throw new Error("no Proven event");
    const { missing, equivocation } = await slashEvents();
    await visit(`/claims/${network.paidClaim}`, "claim");
    expect(await text("claim-key")).toBe(network.paidClaim);
    expect(await text("claim-status")).toBe("settled");
    expect(await page.getByTestId("settled-badge").isVisible()).toBe(true);
    expect(await text("settlement-paid")).toBe(avy(paid.paid));
    expect(await text("settlement-to-source")).toBe(avy(paid.toSource));
    expect(await text("settlement-to-treasury")).toBe(avy(paid.toTreasury));
    expect(await text("settlement-to-supplier")).toBe(avy(paid.toSupplier));
    expect(await text("proof-sum-relay-key")).toBe(proven.args.sumRelayKey);
    const twoLeaves = proven.args.sumRelayKey !== proven.args.countRelayKey;
    expect(await text("proof-leaves")).toBe(twoLeaves ? "2" : "1");
    if (twoLeaves) expect(await text("proof-count-relay-key")).toBe(proven.args.countRelayKey);
    expect(await text("claim-collateral-status")).toBe("released");
    expect(await page.getByTestId("claim-collateral").getAttribute("data-wei")).toBe(String(10n ** 21n));
    // The equivocation on a relay this proof showed.
    expect(await page.getByTestId("slash-row").count()).toBe(1);
    expect(await text("slash-reason")).toBe("equivocation");
    expect(await page.getByTestId("slash-amount").getAttribute("data-wei")).toBe(
      String(equivocation.args.slashed),
    );

    await visit(`/claims/${network.slashedClaim}`, "claim-proof-missing");
    expect(await text("claim-status")).toBe("proof-missing");
    expect(await page.getByTestId("proof-missing-slashed").getAttribute("data-wei")).toBe(String(10n ** 21n));
    expect(await text("claim-collateral-status")).toBe("slashed");
    expect(await text("slash-reason")).toBe("missing proof");
    expect(await page.getByTestId("slash-amount").getAttribute("data-wei")).toBe(
      String(missing.args.slashed),
    );
    expect(await text("slash-block")).toBe(String(missing.blockNumber));

    await visit(`/claims/${network.openClaim}`, "claim-open");
    expect(await text("claim-collateral-status")).toBe("locked");
    expect(await page.getByTestId("slashes-empty").isVisible()).toBe(true);
  });

  it("leaderboard: suppliers ranked by reputation with measured and evaluation columns", async () => {
    await visit("/leaderboard", "leaderboard");
    const rows = page.getByTestId("leaderboard-row");
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute("data-address")).toBe(network.suppliers.cheap.owner.address);
    expect(await rows.nth(1).getAttribute("data-address")).toBe(network.suppliers.expensive.owner.address);
    expect(await rows.nth(0).getByTestId("leaderboard-ttft").textContent()).toBe(
      `${network.measured.ttftMs} ms`,
    );
    // The gateway's evaluation of suppliers has measured nothing yet: the columns are there, empty.
    expect(await rows.nth(0).getByTestId("evaluation-availability").textContent()).toBe("—");

    // Per registered model, suppliers ranked by the gateway's evaluation-set score.
    const section = page.getByTestId("leaderboard-evaluation-model");
    expect(await section.count()).toBe(1);
    expect(await section.getAttribute("data-model-id")).toBe(network.modelId);
    expect(await section.getByTestId("leaderboard-evaluation-model-name").textContent()).toBe(
      network.evaluated.modelName,
    );
    const scores = section.getByTestId("leaderboard-evaluation-row");
    expect(await scores.count()).toBe(2);
    expect(await scores.nth(0).getAttribute("data-address")).toBe(network.suppliers.cheap.owner.address);
    expect(await scores.nth(0).getByTestId("evaluation-rank").textContent()).toBe("1");
    expect(await scores.nth(0).getByTestId("evaluation-score").textContent()).toBe("96.5");
    expect(await scores.nth(1).getAttribute("data-address")).toBe(network.suppliers.expensive.owner.address);
    expect(await scores.nth(1).getByTestId("evaluation-score").textContent()).toBe("41.3");
  });

  it("pages stay live: a new block shows up without a reload", async () => {
    await visit("/", "overview");
    const before = BigInt((await text("chain-head")) ?? "0");
    await network.c.testClient.mine({ blocks: 3 });
    await expect
      .poll(async () => BigInt((await text("chain-head")) ?? "0"), { timeout: 15_000, interval: 250 })
      .toBe(before + 3n);
    expect(await text("overview-current-block")).toBe(String(before + 3n));
  });

  it("unknown pages and malformed parameters: 404 and 400 pages with the nav bar", async () => {
    await visit("/no/such/page", "not-found", 404);
    expect(await text("error-message")).toBe("No page /no/such/page.");
    await visit("/suppliers/0x1234", "bad-request", 400);
    expect(await text("error-message")).toContain("Bad supplier address");
    expect(pageErrors).toEqual([]);
  });
});
