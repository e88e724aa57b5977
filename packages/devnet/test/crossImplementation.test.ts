// Cross-implementation tests: the TypeScript protocol library against the Solidity contracts on a real anvil
// (and, where both could share a bug, against a third implementation written here with plain viem).
// Everything is seeded: a failure names its seed / trie / target and reproduces.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  aviarySettlementAbi,
  buildSumTrie,
  claimKey,
  hashRelayReceipt,
  hashRelayRequest,
  hashTrieInner,
  hashTrieLeaf,
  isMined,
  pendingSessions,
  type RelayReceipt,
  type RelayRequest,
  recoverRelayReceiptSigner,
  recoverRelayRequestSigner,
  relayDomain,
  relayDomainSeparator,
  relayKey,
  relayTypes,
  type SumTrie,
  sessionWindows,
  signRelayReceipt,
  signRelayRequest,
  toCompactProof,
  verifyClosestProof,
} from "@aviary/protocol";
import {
  type Address,
  createPublicClient,
  encodeAbiParameters,
  type Hex,
  hashStruct,
  hashTypedData,
  http,
  keccak256,
  type PublicClient,
  recoverTypedDataAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, devnetChain, devnetRegistryParameters, startDevnet } from "../src/index.ts";
import {
  type CompactProof,
  type ContractVerdict,
  contractVerify,
  EMPTY,
  flipBit,
  inChunks,
  type Leaf,
  type Node,
  Rng,
  referenceInner,
  referenceLeaf,
  referenceNode,
  referenceProve,
  runCli,
  UINT64_MAX,
  UINT128_MAX,
  ZERO32,
} from "./utils/crossImplementation.ts";

const repositoryRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const WAD = 10n ** 18n;
const HASH_UNIT_PER_WAD = ((1n << 256n) - 1n) / WAD;
/** eth_calls per JSON-RPC batch. */
const CHUNK = 50;

let devnet: Devnet;
let home: string;
let client: PublicClient;
let settlement: Address;
let chainId: number;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "aviary-xi-"));
  devnet = await startDevnet({ home, persist: false });
  settlement = devnet.contracts.settlement as Address;
  chainId = devnet.chainId;
  // One JSON-RPC batch per chunk of eth_calls: hundreds of proofs in a few round trips.
  client = createPublicClient({
    chain: devnetChain(devnet.rpcUrl, devnet.chainId),
    transport: http(devnet.rpcUrl, { batch: { batchSize: CHUNK, wait: 0 } }),
  }) as PublicClient;
});

afterAll(async () => {
  await devnet?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

// ───────────────────────────── random tries ─────────────────────────────

type TrieCase = { name: string; leaves: Leaf[]; trie: SumTrie; root: Node };

/** `count` leaves with random keys; `keyOf` may cluster them. Weights keep the total below 2^128. */
function randomLeaves(rng: Rng, count: number, keyOf: (index: number) => Hex = () => rng.bytes32()): Leaf[] {
  const limit = UINT128_MAX / BigInt(count);
  const keys = new Set<string>();
  const leaves: Leaf[] = [];
  while (leaves.length < count) {
    const key = keyOf(leaves.length);
    if (keys.has(key)) continue;
    keys.add(key);
    const roll = rng.int(10);
    // Mostly "uint128-ish" weights, some tiny, some zero, some at the per-leaf ceiling.
    const weight =
      roll === 0 ? 0n : roll === 1 ? BigInt(rng.int(1000)) : roll === 2 ? limit : rng.below(limit + 1n);
    leaves.push({ key, valueHash: rng.bytes32(), weight });
  }
  return leaves;
}

/** Keys that share a long prefix (deep tries, long chains of single-child inner nodes, depth up to 256). */
function clusteredKeys(rng: Rng, variableBits: number): (index: number) => Hex {
  const base = BigInt(rng.bytes32());
  const mask = (1n << BigInt(variableBits)) - 1n;
  return () => `0x${((base & ~mask) | rng.bits(variableBits)).toString(16).padStart(64, "0")}` as Hex;
}

function makeTries(seed: number): TrieCase[] {
  const rng = new Rng(seed);
  const plan: [size: number, tries: number][] = [
    [1, 10],
    [2, 10],
    [3, 10],
    [17, 8],
    [100, 5],
    [1000, 2],
  ];
  const cases: TrieCase[] = [];
  for (const [size, tries] of plan) {
    for (let i = 0; i < tries; i++) {
      const leaves = randomLeaves(rng, size);
      cases.push(withTrie(`random ${size} #${i}`, leaves));
    }
  }
  // Deep tries: keys differing only in their last 1, 2, 6 or 20 bits (leaves at depth 236..256).
  for (const [size, bits] of [
    [2, 1],
    [3, 2],
    [5, 6],
    [30, 20],
  ] as const) {
    cases.push(
      withTrie(`clustered ${size} (last ${bits} bits)`, randomLeaves(rng, size, clusteredKeys(rng, bits))),
    );
  }
  // Extreme keys: all-zero and all-one keys, and the maximum total weight (2^128 − 1 in one leaf or split).
  cases.push(
    withTrie("extreme keys", [
      { key: ZERO32, valueHash: ZERO32, weight: 0n },
      { key: `0x${"ff".repeat(32)}`, valueHash: `0x${"ff".repeat(32)}`, weight: UINT128_MAX },
    ]),
  );
  cases.push(
    withTrie("max total", [
      { key: `0x${"80".padEnd(64, "0")}`, valueHash: rng.bytes32(), weight: UINT128_MAX - 5n },
      { key: `0x${"7f".padEnd(64, "f")}`, valueHash: rng.bytes32(), weight: 5n },
      { key: `0x${"00".repeat(31)}01`, valueHash: rng.bytes32(), weight: 0n },
    ]),
  );
  return cases;
}

function withTrie(name: string, leaves: Leaf[]): TrieCase {
  const trie = buildSumTrie(leaves);
  return { name, leaves, trie, root: trie.root() };
}

/** Random targets plus the edge paths: a leaf's own key, its complement, all zeros, all ones. */
function targetsFor(rng: Rng, trieCase: TrieCase, random: number): Hex[] {
  const targets: Hex[] = [];
  for (let i = 0; i < random; i++) targets.push(rng.bytes32());
  const leaf = rng.pick(trieCase.leaves);
  targets.push(
    leaf.key,
    `0x${(BigInt(leaf.key) ^ ((1n << 256n) - 1n)).toString(16).padStart(64, "0")}` as Hex,
  );
  targets.push(ZERO32, `0x${"ff".repeat(32)}`);
  // A target that agrees with a leaf's key except in its last bit.
  targets.push(flipBit(leaf.key, 255));
  return targets;
}

type ProofCase = { trieCase: TrieCase; target: Hex; proof: CompactProof; fullSideNodes: Node[] };

function proofCases(seed: number, randomTargets: number): ProofCase[] {
  const rng = new Rng(seed ^ 0x5eed);
  const cases: ProofCase[] = [];
  for (const trieCase of makeTries(seed)) {
    for (const target of targetsFor(rng, trieCase, randomTargets)) {
      const full = trieCase.trie.proveClosest(target);
      cases.push({ trieCase, target, proof: toCompactProof(full), fullSideNodes: full.sideNodes });
    }
  }
  return cases;
}

function describeCase(proofCase: ProofCase): string {
  return `${proofCase.trieCase.name}, target ${proofCase.target}`;
}

// ───────────────────────────── 1. proofs ─────────────────────────────

describe("sum-trie closest proofs: library prover vs contract verifier", () => {
  it("every library proof (random tries × targets, ≥ 500) is accepted by the contract and the library", async () => {
    const cases = proofCases(1, 6);
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const verdicts = await inChunks(cases, CHUNK, (c) =>
      contractVerify(client, settlement, c.trieCase.root, c.target, c.proof),
    );
    const failures: string[] = [];
    cases.forEach((c, index) => {
      const contract = verdicts[index];
      const library = verifyClosestProof({ root: c.trieCase.root, target: c.target, ...c.proof });
      const libraryFull = verifyClosestProof({
        root: c.trieCase.root,
        target: c.target,
        key: c.proof.key,
        valueHash: c.proof.valueHash,
        weight: c.proof.weight,
        sideNodes: c.fullSideNodes,
      });
      if (contract !== true || !library.valid || !libraryFull.valid)
        failures.push(
          `${describeCase(c)}: contract ${String(contract)}, library ${JSON.stringify(library)}, full form ${JSON.stringify(libraryFull)}`,
        );
    });
    expect(failures).toEqual([]);
  });

  it("the library's closest proof is the one §6 defines (viem reference prover, tries ≤ 100 leaves)", () => {
    const failures: string[] = [];
    for (const c of proofCases(2, 3)) {
      if (c.trieCase.leaves.length > 100) continue;
      const expected = referenceProve(c.trieCase.leaves, c.target);
      const actual = c.trieCase.trie.proveClosest(c.target);
      if (
        actual.key !== expected.key ||
        actual.valueHash !== expected.valueHash ||
        actual.weight !== expected.weight ||
        JSON.stringify(actual.sideNodes, bigintJson) !== JSON.stringify(expected.sideNodes, bigintJson)
      )
        failures.push(`${describeCase(c)}: library leaf ${actual.key}, reference leaf ${expected.key}`);
    }
    expect(failures).toEqual([]);
  });

  it("Empty side nodes sent explicitly as (0, 0, 0) instead of in the mask: both accept (and agree)", async () => {
    const cases = proofCases(3, 1).filter((c) => c.proof.emptyMask !== 0n);
    expect(cases.length).toBeGreaterThan(10);
    const explicit = cases.map((c) => ({ ...c.proof, sideNodes: c.fullSideNodes, emptyMask: 0n }));
    // Half and half: only the shallowest Empty node sent explicitly, the rest in the mask.
    const mixed = cases.map((c) => {
      const lowest = c.proof.emptyMask & -c.proof.emptyMask;
      const depth = lowest.toString(2).length - 1;
      const sideNodes = [...c.proof.sideNodes];
      const before = c.fullSideNodes.slice(0, depth).filter((node) => !isEmptyNode(node)).length;
      sideNodes.splice(before, 0, { ...EMPTY });
      return { ...c.proof, sideNodes, emptyMask: c.proof.emptyMask ^ lowest };
    });
    const all = [...explicit, ...mixed];
    const allCases = [...cases, ...cases];
    const verdicts = await inChunks(all, CHUNK, (proof, i) =>
      contractVerify(
        client,
        settlement,
        (allCases[i] as ProofCase).trieCase.root,
        (allCases[i] as ProofCase).target,
        proof,
      ),
    );
    const failures: string[] = [];
    all.forEach((proof, i) => {
      const c = allCases[i] as ProofCase;
      const library = verifyClosestProof({ root: c.trieCase.root, target: c.target, ...proof });
      if (verdicts[i] !== true || !library.valid)
        failures.push(
          `${describeCase(c)} (${i < explicit.length ? "explicit" : "mixed"}): contract ${String(verdicts[i])}, library ${JSON.stringify(library)}`,
        );
    });
    expect(failures).toEqual([]);
  });
});

// ───────────────────────────── 2. tampered proofs ─────────────────────────────

type Tamper = { name: string; root: Node; target: Hex; proof: CompactProof };

function isEmptyNode(node: Node): boolean {
  return node.sum === 0n && node.count === 0n && BigInt(node.hash) === 0n;
}

function popcount(value: bigint): number {
  let count = 0;
  for (let v = value; v !== 0n; v &= v - 1n) count++;
  return count;
}

function tampersOf(rng: Rng, c: ProofCase): Tamper[] {
  const { root } = c.trieCase;
  const { target, proof } = c;
  const depth = proof.sideNodes.length + popcount(proof.emptyMask);
  const out: Tamper[] = [];
  const add = (
    name: string,
    changes: Partial<CompactProof>,
    changedRoot: Node = root,
    changedTarget: Hex = target,
  ) => out.push({ name, root: changedRoot, target: changedTarget, proof: { ...proof, ...changes } });
  const withSide = (index: number, node: Node) =>
    proof.sideNodes.map((side, i) => (i === index ? node : side));

  add("weight + 1", { weight: proof.weight === UINT128_MAX ? proof.weight - 1n : proof.weight + 1n });
  add("weight random", { weight: proof.weight ^ (1n << BigInt(rng.int(128))) });
  add("valueHash bit flipped", { valueHash: flipBit(proof.valueHash, rng.int(256)) });
  add("key bit flipped (at or below the depth)", {
    key: flipBit(proof.key, Math.min(255, depth + rng.int(256 - depth))),
  });
  if (depth > 0) add("key bit flipped (above the depth)", { key: flipBit(proof.key, rng.int(depth)) });
  if (proof.sideNodes.length > 0) {
    const i = rng.int(proof.sideNodes.length);
    const side = proof.sideNodes[i] as Node;
    add("side node sum + 1", {
      sideNodes: withSide(i, { ...side, sum: side.sum === 0n ? 1n : side.sum - 1n }),
    });
    add("side node count + 1", { sideNodes: withSide(i, { ...side, count: side.count + 1n }) });
    add("side node hash bit flipped", {
      sideNodes: withSide(i, { ...side, hash: flipBit(side.hash, rng.int(256)) }),
    });
    // Sums and counts that overflow uint128 / uint64 once added on the way up (contract: RootMismatch).
    if (side.sum !== UINT128_MAX)
      add("side node sum overflowing uint128", { sideNodes: withSide(i, { ...side, sum: UINT128_MAX }) });
    if (side.count !== UINT64_MAX)
      add("side node count overflowing uint64", { sideNodes: withSide(i, { ...side, count: UINT64_MAX }) });
    add("side node dropped", { sideNodes: proof.sideNodes.filter((_, j) => j !== i) });
    // Dropped, with the mask patched to keep the depth: the node is now claimed Empty.
    const fullIndex = nonEmptyDepths(proof, depth)[i] as number;
    add("non-empty side node replaced by a mask bit", {
      sideNodes: proof.sideNodes.filter((_, j) => j !== i),
      emptyMask: proof.emptyMask | (1n << BigInt(fullIndex)),
    });
    add("non-empty side node replaced by an explicit Empty", { sideNodes: withSide(i, { ...EMPTY }) });
  }
  const extra: Node = { hash: rng.bytes32(), sum: BigInt(rng.int(1000)), count: 1n };
  const at = rng.int(proof.sideNodes.length + 1);
  add("side node added (random position)", {
    sideNodes: [...proof.sideNodes.slice(0, at), extra, ...proof.sideNodes.slice(at)],
  });
  add("side node added (deepest)", { sideNodes: [...proof.sideNodes, extra] });
  add("side node added (shallowest)", { sideNodes: [extra, ...proof.sideNodes] });
  if (depth > 0)
    add("emptyMask bit flipped below the depth", {
      emptyMask: proof.emptyMask ^ (1n << BigInt(rng.int(depth))),
    });
  if (depth < 256) {
    add("emptyMask bit set at the depth", { emptyMask: proof.emptyMask | (1n << BigInt(depth)) });
    add("emptyMask bit 255 set", { emptyMask: proof.emptyMask | (1n << 255n) });
    if (depth < 250)
      add("emptyMask bit set well above the depth", {
        emptyMask: proof.emptyMask | (1n << BigInt(depth + 1 + rng.int(255 - depth))),
      });
  }
  // Depth limits: every depth claimed Empty (depth 256, nothing to fold against), and one level too deep (257).
  add("all 256 depths claimed Empty", { sideNodes: [], emptyMask: (1n << 256n) - 1n });
  add("depth 257 (256 mask bits and a side node)", { sideNodes: [extra], emptyMask: (1n << 256n) - 1n });
  add("root sum + 1", {}, { ...root, sum: root.sum === UINT128_MAX ? root.sum - 1n : root.sum + 1n });
  add("root count + 1", {}, { ...root, count: root.count + 1n });
  add("root hash bit flipped", {}, { ...root, hash: flipBit(root.hash, rng.int(256)) });
  // The proof of another leaf presented for this target: valid for its own key, never the closest here.
  const others = c.trieCase.leaves.filter((leaf) => leaf.key !== proof.key);
  if (others.length > 0) {
    const other = rng.pick(others);
    add("proof of a non-closest leaf", toCompactProof(c.trieCase.trie.proveClosest(other.key)));
  }
  return out;
}

/** The depths of the non-empty side nodes of a compact proof, in order. */
function nonEmptyDepths(proof: CompactProof, depth: number): number[] {
  const depths: number[] = [];
  for (let d = 0; d < depth; d++) if (((proof.emptyMask >> BigInt(d)) & 1n) === 0n) depths.push(d);
  return depths;
}

describe("tampered proofs: rejected by both implementations", () => {
  it("every tamper (weight, valueHash, key, side nodes, mask, other leaf, root) is rejected by contract and library", async () => {
    const rng = new Rng(4);
    // A sample of proofs from every trie shape, including the depth-256 ones.
    const sample = proofCases(4, 1).filter((_, i) => i % 3 === 0);
    const tampers = sample.flatMap((c) => tampersOf(rng, c).map((tamper) => ({ c, tamper })));
    expect(tampers.length).toBeGreaterThan(300);
    const verdicts = await inChunks(tampers, CHUNK, ({ tamper }) =>
      contractVerify(client, settlement, tamper.root, tamper.target, tamper.proof),
    );
    const failures: string[] = [];
    const seen = new Map<
      string,
      { count: number; contract: Map<string, number>; library: Map<string, number> }
    >();
    tampers.forEach(({ c, tamper }, i) => {
      const contract = verdicts[i] as ContractVerdict;
      const library = verifyClosestProof({ root: tamper.root, target: tamper.target, ...tamper.proof });
      const entry = seen.get(tamper.name) ?? { count: 0, contract: new Map(), library: new Map() };
      entry.count++;
      entry.contract.set(String(contract), (entry.contract.get(String(contract)) ?? 0) + 1);
      const reason = library.valid ? "valid" : library.reason;
      entry.library.set(reason, (entry.library.get(reason) ?? 0) + 1);
      seen.set(tamper.name, entry);
      if (contract === true || library.valid)
        failures.push(
          `${tamper.name} on ${describeCase(c)}: contract ${String(contract)}, library ${JSON.stringify(library)}`,
        );
    });
    // Every kind of tamper was exercised.
    for (const name of [
      "weight + 1",
      "valueHash bit flipped",
      "key bit flipped (at or below the depth)",
      "key bit flipped (above the depth)",
      "side node sum + 1",
      "side node count + 1",
      "side node hash bit flipped",
      "side node dropped",
      "side node added (random position)",
      "emptyMask bit flipped below the depth",
      "emptyMask bit set well above the depth",
      "proof of a non-closest leaf",
      "root sum + 1",
    ])
      expect(seen.get(name)?.count ?? 0, name).toBeGreaterThan(5);
    expect(failures).toEqual([]);
  });
});

// ───────────────────────────── 3. roots and node hashes ─────────────────────────────

describe("roots and node hashes", () => {
  it("library roots equal the viem reference root (§6 from scratch) and fold correctly in the contract", async () => {
    const tries = makeTries(5);
    const failures: string[] = [];
    for (const trieCase of tries) {
      const reference = referenceNode(trieCase.leaves);
      if (JSON.stringify(reference, bigintJson) !== JSON.stringify(trieCase.root, bigintJson))
        failures.push(
          `${trieCase.name}: library root ${JSON.stringify(trieCase.root, bigintJson)}, reference ${JSON.stringify(reference, bigintJson)}`,
        );
    }
    expect(failures).toEqual([]);
    // The contract folds every proof to exactly this (hash, sum, count): check with one proof per trie, and
    // with a root that differs in just one component (must fail), so the fold compares all three.
    const rng = new Rng(55);
    const checks = tries.flatMap((trieCase) => {
      const target = rng.bytes32();
      const proof = toCompactProof(trieCase.trie.proveClosest(target));
      return [
        { trieCase, target, proof, root: trieCase.root, expected: true },
        {
          trieCase,
          target,
          proof,
          root: { ...trieCase.root, count: trieCase.root.count + 1n },
          expected: false,
        },
      ];
    });
    const verdicts = await inChunks(checks, CHUNK, (check) =>
      contractVerify(client, settlement, check.root, check.target, check.proof),
    );
    checks.forEach((check, i) => {
      if (verdicts[i] !== check.expected)
        failures.push(`${check.trieCase.name}: contract ${String(verdicts[i])}, expected ${check.expected}`);
    });
    expect(failures).toEqual([]);
  });

  it("incremental inserts in any order give the bulk-built root", () => {
    const rng = new Rng(6);
    for (const trieCase of makeTries(6).filter((t) => t.leaves.length <= 100)) {
      const shuffled = [...trieCase.leaves];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as Leaf, shuffled[i] as Leaf];
      }
      const trie = buildSumTrie([]);
      for (const leaf of shuffled) trie.insert(leaf.key, leaf.valueHash, leaf.weight);
      expect(JSON.stringify(trie.root(), bigintJson), trieCase.name).toBe(
        JSON.stringify(trieCase.root, bigintJson),
      );
    }
  });

  it("hashTrieLeaf / hashTrieInner equal keccak256(encodePacked(...)) computed with viem", () => {
    const rng = new Rng(7);
    for (let i = 0; i < 300; i++) {
      const leaf: Leaf = {
        key: rng.bytes32(),
        valueHash: rng.bytes32(),
        weight: i % 10 === 0 ? UINT128_MAX : i % 10 === 1 ? 0n : rng.bits(rng.int(129)),
      };
      expect(hashTrieLeaf(leaf)).toEqual(referenceLeaf(leaf));
      const node = (): Node =>
        rng.int(5) === 0
          ? { ...EMPTY }
          : { hash: rng.bytes32(), sum: rng.bits(rng.int(127)), count: rng.bits(rng.int(63)) };
      const left = node();
      const right = node();
      expect(hashTrieInner({ left, right }), `inner #${i}`).toEqual(referenceInner(left, right));
    }
    // Both children at their type limits (no overflow in the sum: one side is zero).
    const big: Node = { hash: rng.bytes32(), sum: UINT128_MAX, count: UINT64_MAX };
    expect(hashTrieInner({ left: big, right: EMPTY })).toEqual(referenceInner(big, EMPTY));
    expect(hashTrieInner({ left: EMPTY, right: big })).toEqual(referenceInner(EMPTY, big));
    // A one-leaf trie's root is the leaf.
    const only: Leaf = { key: rng.bytes32(), valueHash: rng.bytes32(), weight: 42n };
    expect(buildSumTrie([only]).root()).toEqual(referenceLeaf(only));
  });
});

// ───────────────────────────── 4. EIP-712, mining, claim keys, windows ─────────────────────────────

function randomRequest(rng: Rng, i: number): RelayRequest {
  const extreme = i % 7 === 0;
  const uint = (bits: number) =>
    extreme ? (1n << BigInt(bits)) - 1n : i % 7 === 1 ? 0n : rng.bits(rng.int(bits + 1));
  return {
    application: rng.address(),
    supplier: rng.address(),
    model: rng.bytes32(),
    session: uint(64),
    nonce: uint(64),
    bodyHash: rng.bytes32(),
    inputPrice: uint(128),
    outputPrice: uint(128),
    maxCost: uint(128),
  };
}

function randomReceipt(rng: Rng, i: number, request: RelayRequest): RelayReceipt {
  const extreme = i % 7 === 0;
  return {
    request: i % 2 === 0 ? hashRelayRequest(request) : rng.bytes32(),
    responseHash: rng.bytes32(),
    inputUnits: extreme ? UINT64_MAX : rng.bits(rng.int(65)),
    outputUnits: extreme ? UINT64_MAX : rng.bits(rng.int(65)),
  };
}

describe("EIP-712 hashes, mining, claim keys and windows: library vs contract views", () => {
  it("domainSeparator equals relayDomainSeparator (number or bigint chain id, any address case)", async () => {
    const onChain = await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "domainSeparator",
    });
    expect(relayDomainSeparator({ chainId, verifyingContract: settlement })).toBe(onChain);
    expect(
      relayDomainSeparator({
        chainId: BigInt(chainId),
        verifyingContract: settlement.toLowerCase() as Address,
      }),
    ).toBe(onChain);
  });

  it("hashRelayRequest (struct hash), relayKey (digest) and hashRelayReceipt (digest) equal the contract's views", async () => {
    const rng = new Rng(8);
    const domain = { chainId, verifyingContract: settlement };
    const items = Array.from({ length: 120 }, (_, i) => {
      const request = randomRequest(rng, i);
      return { request, receipt: randomReceipt(rng, i, request) };
    });
    const onChain = await inChunks(items, CHUNK / 2, async ({ request, receipt }) =>
      Promise.all([
        client.readContract({
          address: settlement,
          abi: aviarySettlementAbi,
          functionName: "hashRelayRequest",
          args: [request],
        }),
        client.readContract({
          address: settlement,
          abi: aviarySettlementAbi,
          functionName: "relayKey",
          args: [request],
        }),
        client.readContract({
          address: settlement,
          abi: aviarySettlementAbi,
          functionName: "hashRelayReceipt",
          args: [receipt],
        }),
      ]),
    );
    items.forEach(({ request, receipt }, i) => {
      const [structHash, digest, receiptDigest] = onChain[i] as [Hex, Hex, Hex];
      const label = `item ${i}: ${JSON.stringify(request, bigintJson)}`;
      expect(hashRelayRequest(request), label).toBe(structHash);
      expect(relayKey({ domain, request }), label).toBe(digest);
      expect(hashRelayReceipt({ domain, receipt }), label).toBe(receiptDigest);
      // viem's generic EIP-712 as a third implementation.
      expect(hashStruct({ data: request, primaryType: "RelayRequest", types: relayTypes }), label).toBe(
        structHash,
      );
      expect(
        hashTypedData({
          domain: relayDomain(domain),
          types: relayTypes,
          primaryType: "RelayRequest",
          message: request,
        }),
      ).toBe(digest);
      expect(
        hashTypedData({
          domain: relayDomain(domain),
          types: relayTypes,
          primaryType: "RelayReceipt",
          message: receipt,
        }),
      ).toBe(receiptDigest);
    });
  });

  it("isMined equals the contract's isMined: p = 0, 1, tiny, 0.5, 1 − 1e-18, 1, > 1, random, and right at the threshold", async () => {
    const rng = new Rng(9);
    const fixed = [
      0n,
      1n,
      2n,
      1000n,
      10n ** 9n,
      WAD / 1000n,
      WAD / 4n,
      WAD / 2n,
      WAD - 1n,
      WAD,
      WAD + 1n,
      UINT64_MAX,
    ];
    const cases: { relayKey: Hex; miningSeed: Hex; probabilityWad: bigint }[] = [];
    for (let i = 0; i < 60; i++) {
      const key = rng.bytes32();
      const seed = rng.bytes32();
      for (const probabilityWad of fixed) cases.push({ relayKey: key, miningSeed: seed, probabilityWad });
      cases.push({ relayKey: key, miningSeed: seed, probabilityWad: rng.below(WAD) });
      // Probabilities whose threshold p·floor((2^256−1)/1e18) lies just below / just above this draw's hash.
      const draw = BigInt(
        keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [key, seed])),
      );
      const edge = draw / HASH_UNIT_PER_WAD; // edge·U ≤ draw < (edge+1)·U
      for (const p of [edge - 1n, edge, edge + 1n, edge + 2n])
        if (p >= 0n && p <= UINT64_MAX) cases.push({ relayKey: key, miningSeed: seed, probabilityWad: p });
    }
    // Hashes of a known value: the zero-probability boundary and p = 1e18 always mined.
    const onChain = await inChunks(cases, CHUNK, (c) =>
      client.readContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "isMined",
        args: [c.relayKey, c.miningSeed, c.probabilityWad],
      }),
    );
    const failures: string[] = [];
    let mined = 0;
    cases.forEach((c, i) => {
      const library = isMined(c);
      if (library) mined++;
      if (library !== onChain[i])
        failures.push(
          `isMined(${c.relayKey}, ${c.miningSeed}, ${c.probabilityWad}): library ${library}, contract ${String(onChain[i])}`,
        );
    });
    expect(failures).toEqual([]);
    // Both outcomes were exercised, including right at each draw's threshold.
    expect(mined).toBeGreaterThan(cases.length / 4);
    expect(mined).toBeLessThan(cases.length);
  });

  it("claimKey equals claimKeyOf", async () => {
    const rng = new Rng(10);
    const cases = Array.from({ length: 60 }, (_, i) => ({
      supplier: rng.address(),
      application: rng.address(),
      model: rng.bytes32(),
      session: i % 5 === 0 ? UINT64_MAX : i % 5 === 1 ? 0n : rng.bits(rng.int(65)),
    }));
    const onChain = await inChunks(cases, CHUNK, (c) =>
      client.readContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "claimKeyOf",
        args: [c.supplier, c.application, c.model, c.session],
      }),
    );
    cases.forEach((c, i) => {
      expect(claimKey(c), JSON.stringify(c, bigintJson)).toBe(onChain[i]);
    });
  });

  it("windows(session) equals sessionWindows with the devnet parameters (L=20, g=4, c=8, pf=8); pendingSessions too", async () => {
    const params = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };
    const devnetParams = devnetRegistryParameters(devnet.accounts[1]?.address as Address);
    expect({
      sessionBlocks: devnetParams.sessionBlocks,
      graceBlocks: devnetParams.graceBlocks,
      claimBlocks: devnetParams.claimBlocks,
      proofBlocks: devnetParams.proofBlocks,
    }).toEqual(params);
    const sessions = [
      0n,
      1n,
      2n,
      3n,
      7n,
      19n,
      20n,
      1000n,
      123_456_789n,
      1n << 32n,
      1n << 63n,
      UINT64_MAX - 1n,
      UINT64_MAX,
    ];
    const onChain = await Promise.all(
      sessions.map((session) =>
        client.readContract({
          address: settlement,
          abi: aviarySettlementAbi,
          functionName: "windows",
          args: [session],
        }),
      ),
    );
    sessions.forEach((session, i) => {
      const w = sessionWindows(session, params);
      expect(
        [w.claimStart, w.claimEnd, w.proofStart, w.proofEnd, w.settleFrom],
        `session ${session}`,
      ).toEqual(onChain[i]);
    });
    // Session 0 by hand (§3): served until 23, claims 24..31, seed block 31, proofs 32..39, settle from 40.
    expect(onChain[0]).toEqual([24n, 31n, 32n, 39n, 40n]);
    const onChainPending = await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "pendingSessions",
    });
    expect(pendingSessions(params)).toBe(onChainPending);
  });

  it("signRelayRequest / signRelayReceipt signatures recover (library and viem) to the signer", async () => {
    const rng = new Rng(11);
    const domain = { chainId, verifyingContract: settlement };
    const app = devnet.accounts[6];
    const operator = devnet.accounts[3];
    if (!app || !operator) throw new Error("dev accounts missing");
    const appAccount = privateKeyToAccount(app.privateKey as Hex);
    const operatorAccount = privateKeyToAccount(operator.privateKey as Hex);
    for (let i = 0; i < 12; i++) {
      const request = { ...randomRequest(rng, i), application: appAccount.address };
      const receipt = randomReceipt(rng, 0, request);
      const byAccount = await signRelayRequest({ domain, request, signer: appAccount });
      const byKey = await signRelayRequest({ domain, request, signer: app.privateKey as Hex });
      expect(byKey).toBe(byAccount); // RFC 6979: the same digest signs the same
      for (const signature of [byAccount, byKey]) {
        expect(
          await recoverTypedDataAddress({
            domain: relayDomain(domain),
            types: relayTypes,
            primaryType: "RelayRequest",
            message: request,
            signature,
          }),
        ).toBe(appAccount.address);
        expect(await recoverRelayRequestSigner({ domain, request, signature })).toBe(appAccount.address);
      }
      const receiptByAccount = await signRelayReceipt({ domain, receipt, signer: operatorAccount });
      const receiptByKey = await signRelayReceipt({ domain, receipt, signer: operator.privateKey as Hex });
      expect(receiptByKey).toBe(receiptByAccount);
      expect(
        await recoverTypedDataAddress({
          domain: relayDomain(domain),
          types: relayTypes,
          primaryType: "RelayReceipt",
          message: receipt,
          signature: receiptByKey,
        }),
      ).toBe(operatorAccount.address);
      expect(await recoverRelayReceiptSigner({ domain, receipt, signature: receiptByKey })).toBe(
        operatorAccount.address,
      );
      // A signature of another domain (chain id) recovers someone else.
      const otherDomain = { chainId: chainId + 1, verifyingContract: settlement };
      expect(await recoverRelayRequestSigner({ domain: otherDomain, request, signature: byKey })).not.toBe(
        appAccount.address,
      );
    }
  });
});

// ───────────────────────────── 5. CLI ─────────────────────────────

describe("aviary protocol trie-root / trie-prove (CLI) vs the library and the contract", () => {
  const rng = new Rng(12);
  const leaves = randomLeaves(rng, 50);
  const target = rng.bytes32();
  const leavesJson = leaves.map((leaf) => ({
    key: leaf.key,
    valueHash: leaf.valueHash,
    weight: leaf.weight.toString(),
  }));

  it("prints the library's root and closest proof; the CLI's proof verifies on-chain; bad input names the field", async () => {
    /** The 50 leaves with leaf 3 changed. */
    const bad = (changes: Record<string, unknown>) =>
      leavesJson.map((leaf, i) => (i === 3 ? { ...leaf, ...changes } : leaf));
    const cli = (args: string[], stdin: string) => runCli(repositoryRoot, ["protocol", ...args], stdin);
    // Three at a time: each start of the CLI loads tsx, viem and the library (~2.5 s of CPU on this machine).
    const [rootRun, proveRun, notJson] = await Promise.all([
      cli(["trie-root"], JSON.stringify({ leaves: leavesJson })),
      cli(["trie-prove"], JSON.stringify({ leaves: leavesJson, target })),
      cli(["trie-root"], "{ not json"),
    ]);
    const [shortKey, noTarget, badWeight] = await Promise.all([
      cli(["trie-root"], JSON.stringify({ leaves: bad({ key: `0x${"ab".repeat(31)}` }) })),
      cli(["trie-prove"], JSON.stringify({ leaves: leavesJson })),
      cli(["trie-root"], JSON.stringify({ leaves: bad({ weight: "abc" }) })),
    ]);

    const trie = buildSumTrie(leaves);
    const root = trie.root();
    expect(rootRun.code, rootRun.stderr).toBe(0);
    expect(JSON.parse(rootRun.stdout)).toEqual({
      hash: root.hash,
      sum: root.sum.toString(),
      count: Number(root.count),
    });

    const proof = trie.proveClosest(target);
    expect(proveRun.code, proveRun.stderr).toBe(0);
    const printed = JSON.parse(proveRun.stdout) as {
      key: Hex;
      valueHash: Hex;
      weight: string;
      sideNodes: { hash: Hex; sum: string; count: number }[];
    };
    expect(printed).toEqual({
      key: proof.key,
      valueHash: proof.valueHash,
      weight: proof.weight.toString(),
      sideNodes: proof.sideNodes.map((node) => ({
        hash: node.hash,
        sum: node.sum.toString(),
        count: Number(node.count),
      })),
    });
    // The CLI's proof, as printed, is accepted by the contract's verifier (and the library's).
    const fromCli = toCompactProof({
      key: printed.key,
      valueHash: printed.valueHash,
      weight: BigInt(printed.weight),
      sideNodes: printed.sideNodes.map((node) => ({
        hash: node.hash,
        sum: BigInt(node.sum),
        count: BigInt(node.count),
      })),
    });
    expect(await contractVerify(client, settlement, root, target, fromCli)).toBe(true);
    expect(verifyClosestProof({ root, target, ...fromCli }).valid).toBe(true);

    expect(notJson.code, "not JSON").not.toBe(0);
    expect(notJson.stderr).toMatch(/json/i);
    expect(shortKey.code, "31-byte key").not.toBe(0);
    expect(shortKey.stderr).toMatch(/leaves\.3\.key/);
    expect(noTarget.code, "missing target").not.toBe(0);
    expect(noTarget.stderr).toMatch(/target/);
    expect(badWeight.code, "weight abc").not.toBe(0);
    expect(badWeight.stderr).toMatch(/leaves\.3\.weight/);
  });
});

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
