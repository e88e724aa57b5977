// The relay pipeline through createAviaryFetch, on what it now shares with the gateway: hedging (a slow first
// supplier is raced by the next one, with `hedgeAfterMs`), and the `/models` listing's Unix `created`.

import {
  startTestNetwork,
  type TestNetwork,
  type TestSupplier,
  testModelName,
} from "@aviary/testkit/direct-network";
import OpenAI from "openai";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAviaryFetch } from "../src/createAviaryFetch.ts";

let network: TestNetwork;
let first: TestSupplier;
let second: TestSupplier;

beforeAll(async () => {
  network = await startTestNetwork([
    { inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n },
    { inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n },
  ]);
  [first, second] = network.suppliers as [TestSupplier, TestSupplier];
});

afterAll(async () => {
  await network?.stop();
});

/** A fetch that holds every request to `first` for `delayMs` before sending it. */
function slowFirst(delayMs: number): typeof globalThis.fetch {
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(first.proxy.url)) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return globalThis.fetch(input, init);
  };
}

function client(parameters: { hedgeAfterMs?: number; fetch?: typeof globalThis.fetch }) {
  const aviaryFetch = createAviaryFetch({
    account: privateKeyToAccount(network.application.privateKey),
    chain: network.chain,
    provider: { order: [first.owner.address, second.owner.address] },
    ...parameters,
  });
  return new OpenAI({
    apiKey: "unused",
    baseURL: "http://aviary.local/v1",
    fetch: aviaryFetch,
    maxRetries: 0,
  });
}

const chat = { model: testModelName, messages: [{ role: "user" as const, content: "Hello" }], max_tokens: 4 };

describe("createAviaryFetch on the shared pipeline", () => {
  it("test_hedging_slowFirstSupplier_answeredByTheNext", async () => {
    const hedged = client({ hedgeAfterMs: 100, fetch: slowFirst(1_500) });
    const started = performance.now();
    const { response } = await hedged.chat.completions.create(chat).withResponse();
    expect(response.headers.get("aviary-supplier")).toBe(second.owner.address);
    expect(performance.now() - started).toBeLessThan(1_400);

    const stream = await hedged.chat.completions.create({ ...chat, stream: true }).asResponse();
    expect(stream.headers.get("aviary-supplier")).toBe(second.owner.address);
    expect(await stream.text()).toMatch(/data: \[DONE\]\n\n$/);
  });

  it("test_hedging_offByDefault_theOrderIsHonoured", async () => {
    const { response } = await client({ fetch: slowFirst(300) })
      .chat.completions.create(chat)
      .withResponse();
    expect(response.headers.get("aviary-supplier")).toBe(first.owner.address);
  });

  it("test_models_created_isUnixTimeOfTheRegistrationBlock", async () => {
    const models = await client({}).models.list();
    const model = models.data.find((entry) => entry.id === testModelName);
    const block = await network.publicClient.getBlock({ blockNumber: 0n });
    // A Unix time in seconds (not a block number): at or after the chain's genesis, not in the far future.
    expect(model?.created).toBeGreaterThanOrEqual(Number(block.timestamp));
    expect(model?.created).toBeLessThan(Date.now() / 1000 + 366 * 24 * 3600);
    expect(model).toMatchObject({ object: "model", suppliers: 2 });
  });
});
