// The pipeline's send step against scriptable suppliers: hedging (the SDK path can hedge too), and every
// signed attempt settled with the signer exactly once.

import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import {
  answerError,
  answerJson,
  domain,
  type FakeBehavior,
  type FakeSupplier,
  startFakeSupplier,
} from "../../test/utils/fakeSupplier.ts";
import { SupplierStatsBook } from "../routing/index.ts";
import { createAccountRelaySigner } from "./createAccountRelaySigner.ts";
import { parseRelayBody } from "./parseRelayBody.ts";
import type { PlannedCandidate } from "./planRelay.ts";
import { prepareRelayBody } from "./prepareRelayBody.ts";
import type { RelaySigner, SignedRelay } from "./RelaySigner.ts";
import { sendPlannedRelay } from "./sendPlannedRelay.ts";

const started: FakeSupplier[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((supplier) => supplier.close()));
});

const prepared = prepareRelayBody({
  parsed: parseRelayBody({
    route: "chat/completions",
    bytes: new TextEncoder().encode(
      JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hi" }], max_tokens: 4 }),
    ),
  }),
});
const book = new SupplierStatsBook();

async function plan(...behaviors: FakeBehavior[]): Promise<PlannedCandidate[]> {
  const list = await Promise.all(behaviors.map((behavior) => startFakeSupplier(behavior)));
  started.push(...list);
  return list.map((fake) => {
    const info = {
      address: fake.supplier,
      endpoint: fake.url,
      operator: fake.operator,
      inputPrice: 1n,
      outputPrice: 1n,
    };
    return { ...info, stats: book.statsFor(info, Date.now()) };
  });
}

/** An account signer that records what it was asked to settle. */
function recordingSigner() {
  const account = privateKeyToAccount(generatePrivateKey());
  const inner = createAccountRelaySigner({ account, application: account.address, domain });
  const settled: { supplier: string; cost: bigint }[] = [];
  const signer: RelaySigner = {
    sign: (parameters) => inner.sign(parameters),
    settle: (signed: SignedRelay, cost: bigint) => settled.push({ supplier: signed.request.supplier, cost }),
  };
  return { signer, settled };
}

const slow =
  (ms: number): FakeBehavior =>
  async (exchange) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (!exchange.response.destroyed) await answerJson("slow")(exchange);
  };

describe("sendPlannedRelay", () => {
  it("test_sendPlannedRelay_hedged_slowFirstSupplier_answeredByTheSecond", async () => {
    const candidates = await plan(slow(800), answerJson("fast"));
    const { signer, settled } = recordingSigner();
    const t0 = performance.now();
    const result = await sendPlannedRelay({
      prepared,
      session: 1n,
      plan: candidates,
      signer,
      domain,
      hedgeAfterMs: 50,
    });
    expect(performance.now() - t0).toBeLessThan(700);
    expect(result.candidate.address).toBe(candidates[1]?.address);
    expect(result.signed.request.supplier).toBe(candidates[1]?.address);
    expect(result.signed.relayKey).toMatch(/^0x[0-9a-f]{64}$/);
    // The winner settles at its cost; the aborted hedge releases what it reserved.
    await expect.poll(() => settled.length).toBe(2);
    expect(settled).toContainEqual({ supplier: candidates[1]?.address, cost: 5n });
    expect(settled).toContainEqual({ supplier: candidates[0]?.address, cost: 0n });
  });

  it("test_sendPlannedRelay_notHedged_waitsForTheFirst", async () => {
    const candidates = await plan(slow(200), answerJson("fast"));
    const { signer } = recordingSigner();
    const result = await sendPlannedRelay({ prepared, session: 1n, plan: candidates, signer, domain });
    expect(result.candidate.address).toBe(candidates[0]?.address);
  });

  it("test_sendPlannedRelay_failover_failedAttemptSettledAtZero", async () => {
    const candidates = await plan(answerError(500, "boom"), answerJson("ok"));
    const { signer, settled } = recordingSigner();
    const result = await sendPlannedRelay({ prepared, session: 1n, plan: candidates, signer, domain });
    expect(result.candidate.address).toBe(candidates[1]?.address);
    expect(settled).toEqual([
      { supplier: candidates[0]?.address, cost: 0n },
      { supplier: candidates[1]?.address, cost: 5n },
    ]);
  });
});
