// verifyRelay's session window and signature rule, against a ChainView over a scripted chain: near the
// serving end the head is read from the chain (not the block watcher's last poll), and a request signature
// the contract would reject (v 0/1, high s) is refused as invalid_signature.
import { encodeRelayHeader, type RelayRequest, sessionWindows, signRelayRequest } from "@aviary/protocol";
import { type Address, type Hex, hexToBytes, keccak256, type PublicClient, toBytes, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { beforeEach, describe, expect, test } from "vitest";
import type { Backend } from "../backends/Backend.ts";
import { BudgetMeter } from "./BudgetMeter.ts";
import { ChainView } from "./ChainView.ts";
import { NonceGuard } from "./NonceGuard.ts";
import type { RelayRefusal } from "./RelayRefusal.ts";
import { type RelayContext, type VerifiedRelay, verifyRelay } from "./verifyRelay.ts";

const sessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };
const domain = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const supplier = privateKeyToAccount(generatePrivateKey()).address;
const applicationKey = generatePrivateKey();
const application = privateKeyToAccount(applicationKey).address;
const modelName = "test-model";
const modelId = keccak256(toHex(modelName));
const session = 3n;
const windows = sessionWindows(session, sessionParams);
const body = JSON.stringify({ model: modelName, messages: [{ role: "user", content: "hi" }], max_tokens: 4 });
const bodyBytes = new TextEncoder().encode(body);

/** A chain whose head the test sets; counts the head reads. */
const chain = { head: 0n, headReads: 0 };
const publicClient = {
  getBlockNumber: async () => {
    chain.headReads += 1;
    return chain.head;
  },
  readContract: async ({ functionName }: { functionName: string }) => {
    if (functionName === "offerAt") return [true, 1n, 2n];
    if (functionName === "applicationStakeAt") return 3n * 10n ** 21n;
    if (functionName === "isDelegatedAt") return false;
    throw new Error(`unexpected read ${functionName}`);
  },
} as unknown as PublicClient;

const backend = {
  description: "stub",
  supports: () => true,
  capabilities: () => ({
    backend: "embedded",
    tools: true,
    jsonSchema: true,
    logprobs: true,
    images: false,
    contextLength: 2048,
  }),
} as unknown as Backend;

let context: RelayContext;
let nonce = 0n;

beforeEach(async () => {
  const view = new ChainView({ publicClient, registry: supplier, supplier, sessionParams });
  context = {
    supplier,
    domain,
    sessionParams,
    models: new Map([
      [modelId.toLowerCase(), { name: modelName, modelId, backend, inputPrice: 1n, outputPrice: 2n }],
    ]),
    chain: view,
    nonces: new NonceGuard(),
    meter: new BudgetMeter(),
  };
  chain.headReads = 0;
});

async function header(edit?: (signature: Hex) => Hex): Promise<string> {
  nonce += 1n;
  const request: RelayRequest = {
    application,
    supplier,
    model: modelId,
    session,
    nonce,
    bodyHash: keccak256(toBytes(body)),
    inputPrice: 1n,
    outputPrice: 2n,
    maxCost: 1000n,
  };
  const signature = await signRelayRequest({ domain, request, signer: applicationKey });
  return encodeRelayHeader({ request, signature: edit ? edit(signature) : signature });
}

/** Where the block watcher last saw the chain, and where the chain really is. */
function heads(watcher: bigint, real: bigint): void {
  context.chain.setHead(watcher);
  chain.head = real;
}

const verify = async (relayHeader: string) =>
  verifyRelay(context, "chat/completions", relayHeader, bodyBytes);
const codeOf = (result: VerifiedRelay | RelayRefusal) => ("code" in result ? result.code : "served");

describe("verifyRelay: the serving window", () => {
  test("test_verifyRelay_headAtServingEnd_isServed", async () => {
    expect(windows.servingEnd).toBe(windows.end + sessionParams.graceBlocks - 1n);
    heads(windows.servingEnd, windows.servingEnd);
    expect(codeOf(await verify(await header()))).toBe("served");
    expect(chain.headReads).toBe(1); // refreshed: E + g − 1 is past servingRefreshFrom
  });

  test("test_verifyRelay_headAtEndPlusGrace_isRefused", async () => {
    heads(windows.servingEnd + 1n, windows.servingEnd + 1n);
    const refused = await verify(await header());
    expect(codeOf(refused)).toBe("session_expired");
    expect(refused).toMatchObject({ status: 400 });
    expect(chain.headReads).toBe(0); // the cached head already says so
  });

  test("test_verifyRelay_laggingWatcher_refreshesTheHead_andRefuses", async () => {
    // The watcher's last poll says E + g − 2 (servable), the chain is at E + g already.
    heads(windows.servingRefreshFrom, windows.servingEnd + 1n);
    expect(codeOf(await verify(await header()))).toBe("session_expired");
    expect(chain.headReads).toBe(1);
    expect(context.chain.head).toBe(windows.servingEnd + 1n);
  });

  test("test_verifyRelay_laggingWatcher_chainAtServingEnd_isServed", async () => {
    heads(windows.servingRefreshFrom, windows.servingEnd);
    expect(codeOf(await verify(await header()))).toBe("served");
    expect(chain.headReads).toBe(1);
  });

  test("test_verifyRelay_beforeRefreshFrom_servesFromTheCachedHead", async () => {
    heads(windows.servingRefreshFrom - 1n, windows.servingEnd + 5n);
    expect(codeOf(await verify(await header()))).toBe("served");
    expect(chain.headReads).toBe(0);
  });

  test("test_verifyRelay_watcherBehindTheSessionStart_refreshesTheHead_andServes", async () => {
    // The caller saw session s's first block; this node's watcher is still on s − 1's last block.
    heads(windows.start - 1n, windows.start);
    expect(codeOf(await verify(await header()))).toBe("served");
    expect(chain.headReads).toBe(1);
    expect(context.chain.head).toBe(windows.start);
  });

  test("test_verifyRelay_sessionNotStartedOnChainEither_isRefused", async () => {
    heads(windows.start - 1n, windows.start - 1n);
    expect(codeOf(await verify(await header()))).toBe("session_not_started");
    expect(chain.headReads).toBe(1);
  });

  test("test_verifyRelay_sessionFarAhead_isRefusedWithoutAChainRead", async () => {
    heads(windows.start - 2n * sessionParams.sessionBlocks, windows.start);
    expect(codeOf(await verify(await header()))).toBe("session_not_started");
    expect(chain.headReads).toBe(0);
  });

  test("test_verifyRelay_chainUnreadableNearTheEnd_isRetryableRefusal", async () => {
    heads(windows.servingRefreshFrom, windows.servingRefreshFrom);
    const failing = {
      ...publicClient,
      getBlockNumber: async () => {
        throw new Error("connect ECONNREFUSED");
      },
    } as unknown as PublicClient;
    context.chain = new ChainView({ publicClient: failing, registry: supplier, supplier, sessionParams });
    context.chain.setHead(windows.servingRefreshFrom);
    const refused = await verify(await header());
    expect(refused).toMatchObject({ status: 503, code: "chain_unavailable" });
  });
});

describe("verifyRelay: the signature rule", () => {
  const setV = (signature: Hex, v: number): Hex =>
    `${signature.slice(0, -2)}${v.toString(16).padStart(2, "0")}` as Hex;

  test("test_verifyRelay_vZeroOrOne_isInvalidSignature", async () => {
    heads(windows.start, windows.start);
    // The same signatures with v = 0/1 (the recovery id) instead of 27/28: the contract recovers zero.
    const seen = new Set<number>();
    for (let index = 0; index < 8; index += 1) {
      const refused = await verify(
        await header((signature) => {
          const v = (hexToBytes(signature)[64] as number) - 27;
          seen.add(v);
          return setV(signature, v);
        }),
      );
      expect(refused).toMatchObject({ status: 401, code: "invalid_signature" });
    }
    expect([...seen].every((v) => v === 0 || v === 1)).toBe(true);
    // The rule's form is served.
    expect(codeOf(await verify(await header()))).toBe("served");
  });

  test("test_verifyRelay_highS_isInvalidSignature", async () => {
    heads(windows.start, windows.start);
    const order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const refused = await verify(
      await header((signature) => {
        const bytes = hexToBytes(signature);
        const s = BigInt(toHex(bytes.slice(32, 64)));
        const flipped = toHex(order - s, { size: 32 }).slice(2);
        const v = bytes[64] === 27 ? 28 : 27;
        return `${signature.slice(0, 66)}${flipped}${v.toString(16)}` as Hex;
      }),
    );
    expect(refused).toMatchObject({ status: 401, code: "invalid_signature" });
  });
});
