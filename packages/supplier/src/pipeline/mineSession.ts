import {
  buildSumTrie,
  claimKey,
  hashRelayRequest,
  isMined,
  isRelayCostValid,
  isValidSignatureEncoding,
  type RelayDomainParameters,
  relayCost,
  relayKey,
  relayValueHash,
  type SumTrie,
  type TrieNode,
} from "@aviary/protocol";
import type { Address, Hex } from "viem";
import type { RelayRecord, RelayStore } from "../store/RelayStore.ts";

export type MineSessionParameters = {
  store: Pick<RelayStore, "readSession">;
  session: bigint;
  /** `miningSeed[session]`: the hash of block M = `E + graceBlocks + 1`, the first after serving ended. */
  miningSeed: Hex;
  /** The model's mining probability in `session` (wad; `getMiningProbability` of `@aviary/sdk`). Asked once a model. */
  probabilityOf: (model: Hex) => bigint | Promise<bigint>;
  /** EIP-712 domain of the relays: `{ chainId, verifyingContract: settlement }`. */
  domain: RelayDomainParameters;
  /** When set, records naming another supplier are skipped (`wrong-supplier`). */
  supplier?: Address;
};

/** Why a stored record was left out of every claim. */
export type SkippedRecordReason =
  /** The stored relayKey is not the request's EIP-712 digest (damaged record). */
  | "key-mismatch"
  /** The request names another session than the file it was read from. */
  | "wrong-session"
  | "wrong-supplier"
  /** The receipt's `request` is not the request's struct hash: the contract would reject its proof. */
  | "receipt-mismatch"
  /** `cost > maxCost`: the contract would reject its proof. */
  | "cost-above-max"
  /**
   * A signature breaks the one signature rule (65 bytes, v 27 or 28, low s): the contract would reject its
   * proof. The node never stores one; this catches records written by older versions or damaged on disk.
   */
  | "invalid-signature"
  /** A second record with a relayKey already seen (the first one is kept). */
  | "duplicate";

export type SkippedRecord = { relayKey: Hex; reason: SkippedRecordReason; details?: string };

/** One future claim: the mined relays of one (supplier, application, model) and their trie. */
export type MinedClaim = {
  claimKey: Hex;
  supplier: Address;
  application: Address;
  model: Hex;
  probabilityWad: bigint;
  /** Valid records of this (application, model) read from the store, mined or not. */
  served: number;
  /** The mined records, in append order. */
  relays: RelayRecord[];
  /** Built with key = relayKey, valueHash = relayValueHash, weight = relayCost. */
  trie: SumTrie;
  /** `trie.root()`: what `claim` takes. */
  root: TrieNode;
  /** The mined record with this relay key (a leaf drawn for a proof), if any. */
  relayOf(relayKey: Hex): RelayRecord | undefined;
};

export type MineSessionReturnType = {
  session: bigint;
  miningSeed: Hex;
  /**
   * One per (application, model) with at least one mined relay, ordered by application then model (and
   * supplier, when records of several suppliers are mined together without `supplier`).
   */
  claims: MinedClaim[];
  skipped: SkippedRecord[];
  /** Valid records read. */
  served: number;
  /** Records mined, all claims together. */
  mined: number;
};

export type MineSessionErrorType =
  | import("../store/errors.ts").RelayStoreCorruptError
  | import("@aviary/protocol").ProbabilityInvalidError;

type Group = {
  supplier: Address;
  application: Address;
  model: Hex;
  probabilityWad: bigint;
  served: number;
  relays: RelayRecord[];
  keys: Hex[];
};

/**
 * Mines a session (protocol.md §5): reads every record of `session`, recomputes each relay key (skipping and
 * reporting records whose stored key, session, supplier, receipt, cost or signature encoding is wrong, and
 * duplicates), keeps the relays with `keccak256(abi.encode(relayKey, miningSeed)) < p(model)`, and builds one sum
 * trie per (application, model) with key = relayKey, valueHash = relayValueHash, weight = relayCost.
 *
 * Only the mined records stay in memory, so the cost is one pass over the file and memory for the mined ones.
 *
 * @example
 * ```ts
 * const mined = await mineSession({
 *   store, session: 7n, miningSeed, domain: { chainId, verifyingContract: settlement },
 *   probabilityOf: (model) => getMiningProbability(publicClient, { settlement, model, session: 7n }),
 * });
 * for (const claim of mined.claims) console.log(claim.application, claim.root);
 * ```
 */
export async function mineSession(parameters: MineSessionParameters): Promise<MineSessionReturnType> {
  const { store, session, miningSeed, domain } = parameters;
  const supplier = parameters.supplier?.toLowerCase();
  const probabilities = new Map<string, bigint>();
  const groups = new Map<string, Group>();
  const seen = new Set<string>();
  const skipped: SkippedRecord[] = [];
  let served = 0;
  let mined = 0;

  for await (const record of store.readSession(session)) {
    const { request } = record;
    const key = relayKey({ domain, request });
    const skip = (reason: SkippedRecordReason, details?: string) =>
      skipped.push(
        details === undefined
          ? { relayKey: record.relayKey, reason }
          : { relayKey: record.relayKey, reason, details },
      );
    if (key !== record.relayKey.toLowerCase()) {
      skip("key-mismatch", `recomputed ${key}`);
      continue;
    }
    if (request.session !== session) {
      skip("wrong-session", `request names session ${request.session}`);
      continue;
    }
    if (supplier !== undefined && request.supplier.toLowerCase() !== supplier) {
      skip("wrong-supplier", `request names ${request.supplier}`);
      continue;
    }
    if (hashRelayRequest(request) !== record.receipt.request.toLowerCase()) {
      skip("receipt-mismatch");
      continue;
    }
    if (!isRelayCostValid({ request, receipt: record.receipt })) {
      skip("cost-above-max");
      continue;
    }
    if (
      !isValidSignatureEncoding(record.requestSignature) ||
      !isValidSignatureEncoding(record.receiptSignature)
    ) {
      skip("invalid-signature");
      continue;
    }
    if (seen.has(key)) {
      skip("duplicate");
      continue;
    }
    seen.add(key);
    served += 1;

    const modelKey = request.model.toLowerCase();
    let probabilityWad = probabilities.get(modelKey);
    if (probabilityWad === undefined) {
      probabilityWad = await parameters.probabilityOf(request.model);
      probabilities.set(modelKey, probabilityWad);
    }
    const groupKey = `${request.supplier.toLowerCase()}:${request.application.toLowerCase()}:${modelKey}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = {
        supplier: request.supplier,
        application: request.application,
        model: request.model,
        probabilityWad,
        served: 0,
        relays: [],
        keys: [],
      };
      groups.set(groupKey, group);
    }
    group.served += 1;
    if (!isMined({ relayKey: key, miningSeed, probabilityWad })) continue;
    group.relays.push(record);
    group.keys.push(key);
    mined += 1;
  }

  const claims: MinedClaim[] = [];
  for (const groupKey of [...groups.keys()].sort()) {
    const group = groups.get(groupKey);
    if (!group || group.relays.length === 0) continue;
    const byKey = new Map<string, RelayRecord>();
    const trie = buildSumTrie(
      group.relays.map((relay, index) => {
        const key = group.keys[index] as Hex;
        byKey.set(key, relay);
        return { key, valueHash: relayValueHash(relay), weight: relayCost(relay) };
      }),
    );
    claims.push({
      supplier: group.supplier,
      claimKey: claimKey({
        supplier: group.supplier,
        application: group.application,
        model: group.model,
        session,
      }),
      application: group.application,
      model: group.model,
      probabilityWad: group.probabilityWad,
      served: group.served,
      relays: group.relays,
      trie,
      root: trie.root(),
      relayOf: (key) => byKey.get(key.toLowerCase()),
    });
  }
  return { session, miningSeed, claims, skipped, served, mined };
}
