import {
  buildSumTrie,
  claimKey,
  hashRelayRequest,
  isMined,
  type RelayRequest,
  relayCost,
  relayKey,
  relayValueHash,
  signRelayReceipt,
  signRelayRequest,
} from "@aviary/protocol";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { beforeEach, describe, expect, test } from "vitest";
import { MemoryRelayStore } from "../store/MemoryRelayStore.ts";
import type { RelayRecord } from "../store/RelayStore.ts";
import { mineSession } from "./mineSession.ts";

const domain = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const operatorKey = generatePrivateKey();
const supplier = privateKeyToAccount(generatePrivateKey()).address;
const applications = [generatePrivateKey(), generatePrivateKey()].map((key) => ({
  key,
  address: privateKeyToAccount(key).address,
}));
const models = [keccak256(toHex("model-a")), keccak256(toHex("model-b"))];
const seed = keccak256(toHex("mining seed"));
const WAD = 10n ** 18n;

async function signedRecord(
  overrides: Omit<Partial<RelayRequest>, "application"> & { application: (typeof applications)[number] },
): Promise<RelayRecord> {
  const { application, ...rest } = overrides;
  const request: RelayRequest = {
    application: application.address,
    supplier,
    model: models[0] as Hex,
    session: 5n,
    nonce: 1n,
    bodyHash: keccak256(toHex("body")),
    inputPrice: 3n,
    outputPrice: 7n,
    maxCost: 10_000n,
    ...rest,
  };
  const receipt = {
    request: hashRelayRequest(request),
    responseHash: keccak256(toHex(`response ${request.nonce}`)),
    inputUnits: 10n + request.nonce,
    outputUnits: 20n,
  };
  return {
    relayKey: relayKey({ domain, request }),
    request,
    requestSignature: await signRelayRequest({ domain, request, signer: application.key }),
    receipt,
    receiptSignature: await signRelayReceipt({ domain, receipt, signer: operatorKey }),
    servedAt: Date.now(),
  };
}

let store: MemoryRelayStore;
let records: RelayRecord[];

beforeEach(async () => {
  store = new MemoryRelayStore();
  await store.open();
  records = [];
  let nonce = 0n;
  for (const application of applications)
    for (const model of models)
      for (let index = 0; index < 6; index += 1) {
        nonce += 1n;
        records.push(await signedRecord({ application, model, nonce }));
      }
  for (const record of records) await store.append(record);
});

describe("mineSession", () => {
  test("test_mineSession_pOne_oneTriePerApplicationAndModel_matchingTheLibrary", async () => {
    const asked: Hex[] = [];
    const mined = await mineSession({
      store,
      session: 5n,
      miningSeed: seed,
      domain,
      supplier,
      probabilityOf: (model) => {
        asked.push(model);
        return WAD;
      },
    });
    expect(asked).toHaveLength(2); // once a model
    expect(mined.served).toBe(24);
    expect(mined.mined).toBe(24);
    expect(mined.skipped).toEqual([]);
    expect(mined.claims).toHaveLength(4);
    for (const claim of mined.claims) {
      const group = records.filter(
        (record) => record.request.application === claim.application && record.request.model === claim.model,
      );
      expect(claim.relays).toEqual(group);
      expect(claim.served).toBe(6);
      const expected = buildSumTrie(
        group.map((record) => ({
          key: record.relayKey,
          valueHash: relayValueHash(record),
          weight: relayCost(record),
        })),
      ).root();
      expect(claim.root).toEqual(expected);
      expect(claim.claimKey).toBe(
        claimKey({ supplier, application: claim.application, model: claim.model, session: 5n }),
      );
      expect(claim.relayOf(group[2]?.relayKey as Hex)).toEqual(group[2]);
    }
  });

  test("test_mineSession_pBelowOne_keepsExactlyTheMinedRelays", async () => {
    const probabilityWad = WAD / 2n;
    const mined = await mineSession({
      store,
      session: 5n,
      miningSeed: seed,
      domain,
      probabilityOf: () => probabilityWad,
    });
    const expected = records.filter((record) =>
      isMined({ relayKey: record.relayKey, miningSeed: seed, probabilityWad }),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(records.length);
    expect(mined.mined).toBe(expected.length);
    expect(mined.claims.flatMap((claim) => claim.relays.map((relay) => relay.relayKey)).sort()).toEqual(
      expected.map((record) => record.relayKey).sort(),
    );
    // Groups with no mined relay are not claims; served still counts every valid record.
    expect(mined.served).toBe(24);
    expect(mined.claims.every((claim) => claim.probabilityWad === probabilityWad)).toBe(true);
  });

  test("test_mineSession_badRecords_areSkippedAndReported", async () => {
    const [application] = applications;
    if (!application) throw new Error("no application");
    const good = await signedRecord({ application, nonce: 100n });
    const wrongKey = {
      ...(await signedRecord({ application, nonce: 101n })),
      relayKey: keccak256(toHex("x")),
    };
    const wrongSession = await signedRecord({ application, nonce: 102n, session: 6n });
    const wrongSupplier = await signedRecord({
      application,
      nonce: 103n,
      supplier: applications[1]?.address,
    });
    const badReceipt = await signedRecord({ application, nonce: 104n });
    badReceipt.receipt = { ...badReceipt.receipt, request: keccak256(toHex("other")) };
    const tooExpensive = await signedRecord({ application, nonce: 105n, maxCost: 1n });
    // v = 0/1 instead of 27/28: the same signature in the form the contract rejects (an old record).
    const lowV = await signedRecord({ application, nonce: 106n });
    const v = Number.parseInt(lowV.receiptSignature.slice(-2), 16) - 27;
    lowV.receiptSignature = `${lowV.receiptSignature.slice(0, -2)}0${v}` as Hex;

    const fresh = new MemoryRelayStore();
    await fresh.open();
    for (const record of [good, wrongKey, wrongSupplier, badReceipt, tooExpensive, lowV, good])
      await fresh.append(record);
    // A record of session 6 read back as session 5 (as if it had been written to the wrong file).
    const misplaced = {
      readSession: async function* () {
        yield* fresh.readSession(5n);
        yield wrongSession;
      },
    };
    const mined = await mineSession({
      store: misplaced,
      session: 5n,
      miningSeed: seed,
      domain,
      supplier,
      probabilityOf: () => WAD,
    });
    expect(mined.skipped.map((skipped) => skipped.reason)).toEqual([
      "key-mismatch",
      "wrong-supplier",
      "receipt-mismatch",
      "cost-above-max",
      "invalid-signature",
      "duplicate",
      "wrong-session",
    ]);
    expect(mined.claims).toHaveLength(1);
    expect(mined.claims[0]?.relays).toEqual([good]);
  });

  test("test_mineSession_emptySession_hasNoClaims", async () => {
    const mined = await mineSession({
      store,
      session: 99n,
      miningSeed: seed,
      domain,
      probabilityOf: () => WAD,
    });
    expect(mined).toMatchObject({ claims: [], skipped: [], served: 0, mined: 0 });
  });
});
