import { type Address, type Hex, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { WAD } from "../constants.ts";
import { hashRelayRequest } from "../eip712/hashRelayRequest.ts";
import { relayKey } from "../eip712/relayKey.ts";
import { relayValueHash } from "../eip712/relayValueHash.ts";
import type { RelayRequest, SignedRelay } from "../eip712/schemas.ts";
import { signRelayReceipt } from "../eip712/signRelayReceipt.ts";
import { signRelayRequest } from "../eip712/signRelayRequest.ts";
import { claimKey } from "../mining/claimKey.ts";
import { isMined } from "../mining/isMined.ts";
import { proofDraws } from "../mining/proofDraws.ts";
import { relayCost } from "../pricing/relayCost.ts";
import { buildSumTrie } from "./buildSumTrie.ts";
import { toCompactProof } from "./toCompactProof.ts";
import { verifyRelayProof } from "./verifyRelayProof.ts";

const domain = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const applicationKey = generatePrivateKey();
const operatorKey = generatePrivateKey();
const application = privateKeyToAccount(applicationKey).address;
const supplier = privateKeyToAccount(generatePrivateKey()).address;
const model = `0x${"4d".repeat(32)}` as Hex;
let counter = 1;
const hex32 = () => toHex(counter++, { size: 32 });

async function signedRelay(nonce: bigint): Promise<SignedRelay> {
  const request: RelayRequest = {
    application,
    supplier,
    model,
    session: 4n,
    nonce,
    bodyHash: hex32(),
    inputPrice: 3n,
    outputPrice: 7n,
    maxCost: 10_000n,
  };
  const receipt = {
    request: hashRelayRequest(request),
    responseHash: hex32(),
    inputUnits: nonce % 50n,
    outputUnits: 100n + nonce,
  };
  return {
    request,
    requestSignature: await signRelayRequest({ domain, request, signer: applicationKey }),
    receipt,
    receiptSignature: await signRelayReceipt({ domain, receipt, signer: operatorKey }),
  };
}

describe("verifyRelayProof", async () => {
  const relays = await Promise.all(Array.from({ length: 40 }, (_, i) => signedRelay(BigInt(i + 1))));
  const miningSeed = hex32();
  const probabilityWad = WAD / 2n;
  const mined = relays.filter((relay) =>
    isMined({ relayKey: relayKey({ domain, request: relay.request }), miningSeed, probabilityWad }),
  );
  const trie = buildSumTrie(
    mined.map((relay) => ({
      key: relayKey({ domain, request: relay.request }),
      valueHash: relayValueHash(relay),
      weight: relayCost(relay),
    })),
  );
  const root = trie.root();
  const key = claimKey({ supplier, application, model, session: 4n });
  const { sumDraw, countDraw } = proofDraws({ proofSeed: hex32(), claimKey: key, root });
  const draw = { by: "sum" as const, drawn: sumDraw };
  const proof = toCompactProof(trie.proveDrawn("sum", sumDraw));
  const proven = mined.find(
    (relay) => relayKey({ domain, request: relay.request }) === proof.key,
  ) as SignedRelay;

  test("test_verifyRelayProof_validProof_recomputesKeyAndWeight", () => {
    expect(mined.length).toBeGreaterThan(5);
    expect(root.sum).toBe(mined.reduce((sum, relay) => sum + relayCost(relay), 0n));
    const verdict = verifyRelayProof({
      domain,
      root,
      ...draw,
      relay: proven,
      sideNodes: proof.sideNodes,
      emptyMask: proof.emptyMask,
      mining: { miningSeed, probabilityWad },
    });
    expect(verdict).toMatchObject({ valid: true, relayKey: proof.key });
    // The count draw, likewise (its leaf may differ).
    const byCount = toCompactProof(trie.proveDrawn("count", countDraw));
    const counted = mined.find(
      (relay) => relayKey({ domain, request: relay.request }) === byCount.key,
    ) as SignedRelay;
    expect(
      verifyRelayProof({ domain, root, by: "count", drawn: countDraw, relay: counted, ...byCount }),
    ).toMatchObject({ valid: true, relayKey: byCount.key, start: countDraw, end: countDraw + 1n });
  });

  test("test_verifyRelayProof_otherRelayOrInflatedUnits_fail", () => {
    const other = mined.find((relay) => relay !== proven) as SignedRelay;
    expect(verifyRelayProof({ domain, root, ...draw, relay: other, ...proof }).valid).toBe(false);
    // The other relay's own genuine proof, for this draw: a leaf outside the draw's interval.
    const otherKey = relayKey({ domain, request: other.request });
    const otherLeaf = [...Array(Number(root.count)).keys()]
      .map((position) => trie.proveDrawn("count", BigInt(position)))
      .find((candidate) => candidate.key === otherKey);
    if (!otherLeaf) throw new Error("the other relay is in the trie");
    expect(
      verifyRelayProof({ domain, root, ...draw, relay: other, ...toCompactProof(otherLeaf) }),
    ).toMatchObject({ valid: false, reason: "not-drawn", relayKey: otherKey });
    // The supplier cannot raise the weight: it comes from the receipt, which is in the value hash.
    const receipt = { ...proven.receipt, outputUnits: proven.receipt.outputUnits + 1n };
    expect(
      verifyRelayProof({ domain, root, ...draw, relay: { ...proven, receipt }, ...proof }),
    ).toMatchObject({
      valid: false,
      reason: "root-mismatch",
    });
  });

  test("test_verifyRelayProof_relayLevelChecks", () => {
    const wrongReceipt = { ...proven, receipt: { ...proven.receipt, request: hex32() } };
    expect(verifyRelayProof({ domain, root, ...draw, relay: wrongReceipt, ...proof })).toMatchObject({
      reason: "receipt-mismatch",
    });
    const overBudget = { ...proven, receipt: { ...proven.receipt, outputUnits: 10_000n } };
    expect(verifyRelayProof({ domain, root, ...draw, relay: overBudget, ...proof })).toMatchObject({
      reason: "cost-above-max",
    });
    const unmined = relays.find((relay) => !mined.includes(relay)) as SignedRelay;
    expect(
      verifyRelayProof({
        domain,
        root,
        ...draw,
        relay: unmined,
        ...proof,
        mining: { miningSeed, probabilityWad },
      }),
    ).toMatchObject({ reason: "not-mined" });
    expect(
      verifyRelayProof({ domain, root, ...draw, relay: { ...proven, requestSignature: "0x12" }, ...proof }),
    ).toMatchObject({ reason: "malformed" });
  });
});
