// Cross-implementation tests: the TypeScript protocol library against the Solidity contracts on a real anvil
// (and, where both could share a bug, against a third implementation written here with plain viem): weighted
// proofs (both draws, tampered ones with the contract's verdicts), roots, EIP-712, mining, windows, the CLI, and
// claims on chain (proof draws, prove, the difficulty fold). Signatures: crossImplementation.signatures.test.ts.
// Everything is seeded: a failure names its seed / trie / draw and reproduces.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  aviarySettlementAbi,
  buildSumTrie,
  claimKey,
  foldDifficulty,
  hashRelayReceipt,
  hashRelayRequest,
  hashTrieInner,
  hashTrieLeaf,
  initialDifficultyState,
  isMined,
  pendingSessions,
  proofDraws,
  proveClaim,
  type RelayReceipt,
  type RelayRequest,
  recoverRelayReceiptSigner,
  recoverRelayRequestSigner,
  relayCost,
  relayDomain,
  relayDomainSeparator,
  relayKey,
  relayTypes,
  relayValueHash,
  type SumTrie,
  sessionWindows,
  signRelayReceipt,
  signRelayRequest,
  toCompactProof,
  verifyRelayProof,
  verifyWeightedProof,
} from "@aviary/protocol";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  relayKeyOf,
  setUpNetwork,
  signRelay,
} from "@aviary/testkit";
import {
  bitAt,
  type CompactProof,
  contractCheck,
  EMPTY,
  flipBit,
  inChunks,
  type Leaf,
  type Node,
  Rng,
  referenceInner,
  referenceLeaf,
  referenceNode,
  referenceProveDrawn,
  runCli,
  UINT64_MAX,
  UINT128_MAX,
  verdictCode,
  weightOf,
  ZERO32,
} from "@aviary/testkit/cross-implementation";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  type Hex,
  hashStruct,
  hashTypedData,
  http,
  keccak256,
  type PublicClient,
  parseEventLogs,
  recoverTypedDataAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, devnetChain, devnetRegistryParameters, startDevnet, token } from "../src/index.ts";

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

type By = "sum" | "count";
const BYS: readonly By[] = ["sum", "count"];

/** The leaf interval [start, end) of a full-form proof by `by` (from the definition: left siblings' weights). */
function intervalOf(proof: Leaf & { sideNodes: Node[] }, by: By): { start: bigint; end: bigint } {
  let start = 0n;
  proof.sideNodes.forEach((side, depth) => {
    if (bitAt(proof.key, depth) === 1) start += by === "sum" ? side.sum : side.count;
  });
  return { start, end: start + (by === "sum" ? proof.weight : 1n) };
}

/** Random draws below the root's sum / count plus the edges: 0, the last value, a leaf's interval bounds. */
function drawsFor(rng: Rng, trieCase: TrieCase, by: By, random: number): bigint[] {
  const limit = by === "sum" ? trieCase.root.sum : trieCase.root.count;
  if (limit === 0n) return []; // an all-zero-weight trie has nothing to draw by sum
  const draws = new Set<bigint>([0n, limit - 1n]);
  for (let i = 0; i < random; i++) draws.add(rng.below(limit));
  const some = trieCase.trie.proveDrawn(by, rng.below(limit));
  const { start, end } = intervalOf(some, by);
  draws.add(start);
  draws.add(end - 1n);
  if (end < limit) draws.add(end);
  return [...draws];
}

type ProofCase = { trieCase: TrieCase; by: By; drawn: bigint; proof: CompactProof; fullSideNodes: Node[] };

function proofCases(seed: number, randomDraws: number): ProofCase[] {
  const rng = new Rng(seed ^ 0x5eed);
  const cases: ProofCase[] = [];
  for (const trieCase of makeTries(seed)) {
    for (const by of BYS) {
      for (const drawn of drawsFor(rng, trieCase, by, randomDraws)) {
        const full = trieCase.trie.proveDrawn(by, drawn);
        cases.push({ trieCase, by, drawn, proof: toCompactProof(full), fullSideNodes: full.sideNodes });
      }
    }
  }
  return cases;
}

function describeCase(proofCase: ProofCase): string {
  return `${proofCase.trieCase.name}, by ${proofCase.by}, drawn ${proofCase.drawn}`;
}

/** The library's verdict on a compact proof, as the contract's ProofVerdict code. */
function libraryCode(root: Node, by: By, drawn: bigint, proof: CompactProof): number {
  return verdictCode(verifyWeightedProof({ root, by, drawn, ...proof }));
}

// ───────────────────────────── 1. proofs ─────────────────────────────

describe("sum-trie weighted proofs: library prover vs contract verifier", () => {
  it("every library proof (random tries × both draws × edge draws, ≥ 500) is Valid for the contract and the library", async () => {
    const cases = proofCases(1, 4);
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const verdicts = await inChunks(cases, CHUNK, (c) =>
      contractCheck(client, settlement, c.trieCase.root, c.by, c.drawn, c.proof),
    );
    const failures: string[] = [];
    cases.forEach((c, index) => {
      const contract = verdicts[index];
      const library = verifyWeightedProof({ root: c.trieCase.root, by: c.by, drawn: c.drawn, ...c.proof });
      const libraryFull = verifyWeightedProof({
        root: c.trieCase.root,
        by: c.by,
        drawn: c.drawn,
        key: c.proof.key,
        valueHash: c.proof.valueHash,
        weight: c.proof.weight,
        sideNodes: c.fullSideNodes,
      });
      if (contract !== 0 || !library.valid || !libraryFull.valid)
        failures.push(
          `${describeCase(c)}: contract ${String(contract)}, library ${JSON.stringify(library, bigintJson)}, full form ${JSON.stringify(libraryFull, bigintJson)}`,
        );
    });
    expect(failures).toEqual([]);
    // Both draws, and deep (depth-256) proofs, were exercised.
    expect(cases.filter((c) => c.by === "count").length).toBeGreaterThan(150);
    expect(cases.some((c) => c.fullSideNodes.length === 256)).toBe(true);
  });

  it("the library's drawn leaf and side nodes are the ones §6 defines (viem reference prover, tries ≤ 100 leaves)", () => {
    const failures: string[] = [];
    for (const c of proofCases(2, 3)) {
      if (c.trieCase.leaves.length > 100) continue;
      const expected = referenceProveDrawn(c.trieCase.leaves, c.by, c.drawn);
      const actual = c.trieCase.trie.proveDrawn(c.by, c.drawn);
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
    const verdicts = await inChunks(all, CHUNK, (proof, i) => {
      const c = allCases[i] as ProofCase;
      return contractCheck(client, settlement, c.trieCase.root, c.by, c.drawn, proof);
    });
    const failures: string[] = [];
    all.forEach((proof, i) => {
      const c = allCases[i] as ProofCase;
      const library = libraryCode(c.trieCase.root, c.by, c.drawn, proof);
      if (verdicts[i] !== 0 || library !== 0)
        failures.push(
          `${describeCase(c)} (${i < explicit.length ? "explicit" : "mixed"}): contract ${String(verdicts[i])}, library ${library}`,
        );
    });
    expect(failures).toEqual([]);
  });
});

// ───────────────────────────── 2. tampered proofs ─────────────────────────────

/** A tampered proof and the verdict it must get (undefined: any rejection, but the same from both). */
type Tamper = { name: string; root: Node; by: By; drawn: bigint; proof: CompactProof; expected?: number };

function isEmptyNode(node: Node): boolean {
  return node.sum === 0n && node.count === 0n && BigInt(node.hash) === 0n;
}

function popcount(value: bigint): number {
  let count = 0;
  for (let v = value; v !== 0n; v &= v - 1n) count++;
  return count;
}

/** Folds a full-form proof to its root with the reference hashing (the attacker's consistent root). */
function foldReference(proof: Leaf & { sideNodes: Node[] }): Node {
  let node = referenceLeaf(proof);
  for (let depth = proof.sideNodes.length - 1; depth >= 0; depth--) {
    const side = proof.sideNodes[depth] as Node;
    node = bitAt(proof.key, depth) === 0 ? referenceInner(node, side) : referenceInner(side, node);
  }
  return node;
}

const ROOT_MISMATCH = 2;
const INVALID_DEPTH = 1;
const NOT_DRAWN = 3;

function tampersOf(rng: Rng, c: ProofCase): Tamper[] {
  const { root } = c.trieCase;
  const { by, drawn, proof } = c;
  const depth = proof.sideNodes.length + popcount(proof.emptyMask);
  const full = { ...proof, sideNodes: c.fullSideNodes };
  const { start, end } = intervalOf(full, by);
  const limit = by === "sum" ? root.sum : root.count;
  const out: Tamper[] = [];
  const add = (
    name: string,
    changes: Partial<CompactProof>,
    expected?: number,
    overrides: { root?: Node; by?: By; drawn?: bigint } = {},
  ) =>
    out.push({
      name,
      root: overrides.root ?? root,
      by: overrides.by ?? by,
      drawn: overrides.drawn ?? drawn,
      proof: { ...proof, ...changes },
      expected,
    });
  const withSide = (index: number, node: Node) =>
    proof.sideNodes.map((side, i) => (i === index ? node : side));

  add(
    "weight + 1",
    { weight: proof.weight === UINT128_MAX ? proof.weight - 1n : proof.weight + 1n },
    ROOT_MISMATCH,
  );
  add("weight random bit flipped", { weight: proof.weight ^ (1n << BigInt(rng.int(128))) }, ROOT_MISMATCH);
  add("valueHash bit flipped", { valueHash: flipBit(proof.valueHash, rng.int(256)) }, ROOT_MISMATCH);
  add("key bit flipped", { key: flipBit(proof.key, rng.int(256)) }, ROOT_MISMATCH);
  if (proof.sideNodes.length > 0) {
    const i = rng.int(proof.sideNodes.length);
    const side = proof.sideNodes[i] as Node;
    const grow = 1n << BigInt(rng.int(100));
    add(
      "side node sum inflated",
      {
        sideNodes: withSide(i, {
          ...side,
          sum: side.sum + grow > UINT128_MAX ? side.sum - 1n : side.sum + grow,
        }),
      },
      ROOT_MISMATCH,
    );
    add(
      "side node count inflated",
      { sideNodes: withSide(i, { ...side, count: side.count + 1n }) },
      ROOT_MISMATCH,
    );
    add(
      "side node hash bit flipped",
      { sideNodes: withSide(i, { ...side, hash: flipBit(side.hash, rng.int(256)) }) },
      ROOT_MISMATCH,
    );
    // Sums and counts that overflow uint128 / uint64 once added on the way up (contract: RootMismatch).
    if (side.sum !== UINT128_MAX)
      add(
        "side node sum overflowing uint128",
        { sideNodes: withSide(i, { ...side, sum: UINT128_MAX }) },
        ROOT_MISMATCH,
      );
    if (side.count !== UINT64_MAX)
      add(
        "side node count overflowing uint64",
        { sideNodes: withSide(i, { ...side, count: UINT64_MAX }) },
        ROOT_MISMATCH,
      );
    add("side node dropped", { sideNodes: proof.sideNodes.filter((_, j) => j !== i) }, ROOT_MISMATCH);
    // Dropped, with the mask patched to keep the depth: the node is now claimed Empty.
    const fullIndex = nonEmptyDepths(proof, depth)[i] as number;
    add(
      "wrong mask: a non-empty side node claimed Empty",
      {
        sideNodes: proof.sideNodes.filter((_, j) => j !== i),
        emptyMask: proof.emptyMask | (1n << BigInt(fullIndex)),
      },
      ROOT_MISMATCH,
    );
    add(
      "non-empty side node replaced by an explicit Empty",
      { sideNodes: withSide(i, { ...EMPTY }) },
      ROOT_MISMATCH,
    );
  }
  const extra: Node = { hash: rng.bytes32(), sum: BigInt(rng.int(1000)), count: 1n };
  const at = rng.int(proof.sideNodes.length + 1);
  if (depth < 256) {
    add(
      "side node added (random position)",
      { sideNodes: [...proof.sideNodes.slice(0, at), extra, ...proof.sideNodes.slice(at)] },
      ROOT_MISMATCH,
    );
    add("side node added (shallowest)", { sideNodes: [extra, ...proof.sideNodes] }, ROOT_MISMATCH);
  }
  if (depth > 0)
    add("wrong mask: a bit flipped below the depth", {
      emptyMask: proof.emptyMask ^ (1n << BigInt(rng.int(depth))),
    });
  if (depth < 256) {
    // One more mask bit adds a level: bit D is a valid (empty) extra level, bits above D + 1 levels are not.
    add(
      "wrong mask: bit set at the depth",
      { emptyMask: proof.emptyMask | (1n << BigInt(depth)) },
      ROOT_MISMATCH,
    );
    if (depth < 255) {
      add("wrong mask: bit 255 set", { emptyMask: proof.emptyMask | (1n << 255n) }, INVALID_DEPTH);
      add(
        "wrong mask: bit set above the depth",
        { emptyMask: proof.emptyMask | (1n << BigInt(depth + 1 + rng.int(255 - depth))) },
        INVALID_DEPTH,
      );
    }
  }
  // Depth limits: every depth claimed Empty (depth 256, nothing to fold against), and one level too deep (257).
  add("all 256 depths claimed Empty", { sideNodes: [], emptyMask: (1n << 256n) - 1n }, ROOT_MISMATCH);
  add(
    "depth 257 (256 mask bits and a side node)",
    { sideNodes: [extra], emptyMask: (1n << 256n) - 1n },
    INVALID_DEPTH,
  );
  add(
    "wrong depth and wrong root: depth first",
    { emptyMask: (1n << 256n) - 1n, sideNodes: [extra] },
    INVALID_DEPTH,
    { root: { ...root, hash: flipBit(root.hash, 0) } },
  );
  add("root sum + 1", {}, ROOT_MISMATCH, {
    root: { ...root, sum: root.sum === UINT128_MAX ? root.sum - 1n : root.sum + 1n },
  });
  add("root count + 1", {}, ROOT_MISMATCH, { root: { ...root, count: root.count + 1n } });
  add("root hash bit flipped", {}, ROOT_MISMATCH, {
    root: { ...root, hash: flipBit(root.hash, rng.int(256)) },
  });
  add("wrong root and a draw outside: root first", {}, ROOT_MISMATCH, {
    root: { ...root, hash: flipBit(root.hash, 7) },
    drawn: end,
  });
  // Leaf outside its interval: this leaf for draws it does not own.
  if (start > 0n) add("drawn = start − 1", {}, NOT_DRAWN, { drawn: start - 1n });
  add("drawn = end", {}, NOT_DRAWN, { drawn: end });
  add("drawn = the root's total", {}, NOT_DRAWN, { drawn: limit });
  add("drawn = 2^256 − 1", {}, NOT_DRAWN, { drawn: (1n << 256n) - 1n });
  // The proof of the leaf another draw selects, presented for this draw: valid for its own draw only.
  const otherDrawn = rng.below(limit);
  const other = c.trieCase.trie.proveDrawn(by, otherDrawn);
  if (other.key !== proof.key)
    add("proof of a leaf outside the draw's interval", toCompactProof(other), NOT_DRAWN);
  // The proof checked under the other draw: valid only if its value happens to fall in the leaf's interval.
  const otherBy: By = by === "sum" ? "count" : "sum";
  add("checked by the other draw", {}, undefined, { by: otherBy });
  // The attack weighted proofs exist for: inflate a right sibling (key bit 0 at its depth) and fold a consistent
  // root over it. Every real leaf still folds to that root, but a draw in the inflated part is owned by no leaf.
  const rightDepths = c.fullSideNodes.map((_, d) => d).filter((d) => bitAt(proof.key, d) === 0);
  if (rightDepths.length > 0) {
    const d = rng.pick(rightDepths);
    const side = c.fullSideNodes[d] as Node;
    const inflatedBy = 1n + rng.below(1n << 40n);
    const fakeSide =
      by === "sum" ? { ...side, sum: side.sum + inflatedBy } : { ...side, count: side.count + inflatedBy };
    const fakeFull = { ...full, sideNodes: c.fullSideNodes.map((node, j) => (j === d ? fakeSide : node)) };
    // The fake root's sum (count) is the real one plus the inflation: it must still fit its type.
    if (weightOf(root, by) + inflatedBy <= (by === "sum" ? UINT128_MAX : UINT64_MAX)) {
      const fakeRoot = foldReference(fakeFull);
      // The inflated sibling's interval in the fake root: after the subtree holding the leaf at depth d + 1.
      let below = by === "sum" ? proof.weight : 1n;
      for (let j = d + 1; j < c.fullSideNodes.length; j++) below += weightOf(c.fullSideNodes[j] as Node, by);
      let above = 0n;
      for (let j = 0; j < d; j++)
        if (bitAt(proof.key, j) === 1) above += weightOf(c.fullSideNodes[j] as Node, by);
      const unbackedStart = above + below + weightOf(side, by);
      const fakeCompact = toCompactProof(fakeFull);
      add("inflated sibling (consistent fake root): draw in the unbacked part", fakeCompact, NOT_DRAWN, {
        root: fakeRoot,
        drawn: unbackedStart + rng.below(inflatedBy),
      });
      // Draws the real leaf owns still verify under the fake root: the fold is consistent (the catch is the draw).
      add("inflated sibling (consistent fake root): the leaf's own draw", fakeCompact, 0, { root: fakeRoot });
    }
  }
  return out;
}

/** The depths of the non-empty side nodes of a compact proof, in order. */
function nonEmptyDepths(proof: CompactProof, depth: number): number[] {
  const depths: number[] = [];
  for (let d = 0; d < depth; d++) if (((proof.emptyMask >> BigInt(d)) & 1n) === 0n) depths.push(d);
  return depths;
}

describe("tampered proofs: the same verdict from both implementations", () => {
  it("every tamper (leaf, side nodes, mask, depth, root, draw, another leaf, inflated sibling) gets the contract's verdict from the library", async () => {
    const rng = new Rng(4);
    // A sample of proofs from every trie shape, both draws, including the depth-256 ones.
    const sample = proofCases(4, 1).filter((_, i) => i % 3 === 0);
    const tampers = sample.flatMap((c) => tampersOf(rng, c).map((tamper) => ({ c, tamper })));
    expect(tampers.length).toBeGreaterThan(1000);
    const verdicts = await inChunks(tampers, CHUNK, ({ tamper }) =>
      contractCheck(client, settlement, tamper.root, tamper.by, tamper.drawn, tamper.proof),
    );
    const failures: string[] = [];
    const seen = new Map<string, { count: number; verdicts: Map<number, number> }>();
    tampers.forEach(({ c, tamper }, i) => {
      const contract = verdicts[i] as number;
      const library = libraryCode(tamper.root, tamper.by, tamper.drawn, tamper.proof);
      const entry = seen.get(tamper.name) ?? { count: 0, verdicts: new Map() };
      entry.count++;
      entry.verdicts.set(contract, (entry.verdicts.get(contract) ?? 0) + 1);
      seen.set(tamper.name, entry);
      const wrongExpectation = tamper.expected !== undefined && contract !== tamper.expected;
      const acceptedTamper =
        tamper.expected === undefined && tamper.name !== "checked by the other draw" && contract === 0;
      if (contract !== library || wrongExpectation || acceptedTamper)
        failures.push(
          `${tamper.name} on ${describeCase(c)}: contract ${contract}, library ${library}, expected ${String(tamper.expected)}`,
        );
    });
    // Every kind of tamper was exercised (most at least a few dozen times).
    for (const name of [
      "weight + 1",
      "valueHash bit flipped",
      "key bit flipped",
      "side node sum inflated",
      "side node count inflated",
      "side node hash bit flipped",
      "side node sum overflowing uint128",
      "side node dropped",
      "wrong mask: a non-empty side node claimed Empty",
      "wrong mask: a bit flipped below the depth",
      "wrong mask: bit set above the depth",
      "depth 257 (256 mask bits and a side node)",
      "root sum + 1",
      "drawn = end",
      "proof of a leaf outside the draw's interval",
      "inflated sibling (consistent fake root): draw in the unbacked part",
      "inflated sibling (consistent fake root): the leaf's own draw",
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
      const drawn = rng.below(trieCase.root.count);
      const proof = toCompactProof(trieCase.trie.proveDrawn("count", drawn));
      return [
        { trieCase, drawn, proof, root: trieCase.root, expected: 0 },
        { trieCase, drawn, proof, root: { ...trieCase.root, count: trieCase.root.count + 1n }, expected: 2 },
        { trieCase, drawn, proof, root: { ...trieCase.root, sum: trieCase.root.sum ^ 1n }, expected: 2 },
      ];
    });
    const verdicts = await inChunks(checks, CHUNK, (check) =>
      contractCheck(client, settlement, check.root, "count", check.drawn, check.proof),
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
    // Session 0 by hand (§3): served while head < 23, mining seed block 24, claims 25..32, proof seed block 32,
    // proofs 33..40, settle from 41.
    expect(onChain[0]).toEqual([25n, 32n, 33n, 40n, 41n]);
    expect(sessionWindows(0n, params)).toMatchObject({
      servingEnd: 22n,
      miningSeedBlock: 24n,
      proofSeedBlock: 32n,
    });
    const onChainPending = await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "pendingSessions",
    });
    // floor((g + 1 + c + pf) / L) + 2 = floor(21 / 20) + 2.
    expect(onChainPending).toBe(3n);
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
  const leavesJson = leaves.map((leaf) => ({
    key: leaf.key,
    valueHash: leaf.valueHash,
    weight: leaf.weight.toString(),
  }));

  it("prints the library's root and drawn leaves (by sum, by count); the CLI's proofs verify on-chain; bad input names the field", async () => {
    const trie = buildSumTrie(leaves);
    const root = trie.root();
    const sumDraw = rng.below(root.sum);
    const countDraw = rng.below(root.count);
    /** The 50 leaves with leaf 3 changed. */
    const bad = (changes: Record<string, unknown>) =>
      leavesJson.map((leaf, i) => (i === 3 ? { ...leaf, ...changes } : leaf));
    const cli = (args: string[], stdin: string) => runCli(repositoryRoot, ["protocol", ...args], stdin);
    const prove = (input: Record<string, unknown>) =>
      cli(["trie-prove"], JSON.stringify({ leaves: leavesJson, ...input }));
    // Three at a time: each start of the CLI loads tsx, viem and the library (~2.5 s of CPU on this machine).
    const [rootRun, bySumRun, byCountRun] = await Promise.all([
      cli(["trie-root"], JSON.stringify({ leaves: leavesJson })),
      prove({ by: "sum", r: sumDraw.toString() }),
      prove({ by: "count", r: countDraw.toString() }),
    ]);
    const [notJson, shortKey, badWeight] = await Promise.all([
      cli(["trie-root"], "{ not json"),
      cli(["trie-root"], JSON.stringify({ leaves: bad({ key: `0x${"ab".repeat(31)}` }) })),
      cli(["trie-root"], JSON.stringify({ leaves: bad({ weight: "abc" }) })),
    ]);
    const [noDraw, badBy, tooLarge] = await Promise.all([
      prove({ by: "sum" }),
      prove({ by: "weight", r: "1" }),
      prove({ by: "count", r: root.count.toString() }),
    ]);

    expect(rootRun.code, rootRun.stderr).toBe(0);
    expect(JSON.parse(rootRun.stdout)).toEqual({
      hash: root.hash,
      sum: root.sum.toString(),
      count: Number(root.count),
    });

    for (const [run, by, drawn] of [
      [bySumRun, "sum", sumDraw],
      [byCountRun, "count", countDraw],
    ] as const) {
      const proof = trie.proveDrawn(by, drawn);
      expect(run.code, run.stderr).toBe(0);
      const printed = JSON.parse(run.stdout) as {
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
      // The CLI's proof, as printed (full form, Empty included), is Valid for the contract and the library.
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
      expect(await contractCheck(client, settlement, root, by, drawn, fromCli)).toBe(0);
      expect(verifyWeightedProof({ root, by, drawn, ...fromCli }).valid).toBe(true);
      // And it is the leaf §6 defines.
      expect(printed.key).toBe(referenceProveDrawn(leaves, by, drawn).key);
    }

    expect(notJson.code, "not JSON").not.toBe(0);
    expect(notJson.stderr).toMatch(/json/i);
    expect(shortKey.code, "31-byte key").not.toBe(0);
    expect(shortKey.stderr).toMatch(/leaves\.3\.key/);
    expect(badWeight.code, "weight abc").not.toBe(0);
    expect(badWeight.stderr).toMatch(/leaves\.3\.weight/);
    expect(noDraw.code, "missing r").not.toBe(0);
    expect(noDraw.stderr).toMatch(/\br\b/);
    expect(badBy.code, "by weight").not.toBe(0);
    expect(badBy.stderr).toMatch(/\bby\b/);
    expect(tooLarge.code, "r = N").not.toBe(0);
    expect(tooLarge.stderr).toMatch(/r: must be below the root's count/);
  });
});

// ───────────────────────────── 6. claims on the devnet ─────────────────────────────

describe("claims on the devnet: proofDraws, proveClaim and the difficulty fold vs the contract", () => {
  it("proofDraws(claimKey) equals the library's draws; proveClaim's proofs prove a real claim; both folds (one after idle sessions) equal foldDifficulty", async () => {
    const rng = new Rng(13);
    const c = clients(devnet);
    const owner = actor(devnet, "supplier-1");
    const operator = actor(devnet, "spare-1");
    const application = actor(devnet, "application");
    const offer = { inputPrice: 10n ** 9n, outputPrice: 3n * 10n ** 9n };
    const { session, modelId } = await setUpNetwork(c, {
      source: actor(devnet, "model-source"),
      sourceShareBps: 1000,
      suppliers: [{ owner, operator, ...offer, stake: token(40_000) }],
      applications: [{ actor: application, stake: token(1_000) }],
    });
    const params = (await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "params",
    })) as { targetMinedPerSession: bigint; difficultyAlphaWad: bigint; missingProofPenalty: bigint };
    const sessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };

    // One real claim (signed relays of `application`, every relay mined at p = 1) and random roots for
    // other applications: sums below the collateral floor, counts up to 2^63 (their total saturates uint64).
    const relays = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const request: RelayRequest = {
          application: application.address,
          supplier: owner.address,
          model: modelId,
          session,
          nonce: BigInt(i + 1),
          bodyHash: rng.bytes32(),
          ...offer,
          maxCost: 10n ** 15n,
        };
        return signRelay(c, request, application, operator, {
          inputUnits: BigInt(1 + rng.int(500)),
          outputUnits: BigInt(rng.int(500)),
        });
      }),
    );
    const byKey = new Map(relays.map((relay) => [relayKeyOf(c, relay), relay]));
    const trie = buildSumTrie(
      relays.map((relay) => ({
        key: relayKeyOf(c, relay),
        valueHash: relayValueHash(relay),
        weight: relayCost(relay),
      })),
    );
    const randomRoot = (i: number): Node => ({
      hash: rng.bytes32(),
      sum: 1n + rng.below(10n ** 20n),
      count: i < 2 ? 1n << 63n : 1n + rng.below(i % 2 === 0 ? 1n << 40n : 1_000n),
    });
    const first = [
      { application: application.address, root: trie.root() },
      ...Array.from({ length: 16 }, (_, i) => ({ application: rng.address(), root: randomRoot(i) })),
    ];
    await claimAll(c, operator, owner.address, modelId, session, first);

    // Proof window: the contract's draws (previewed from blockhash(B), then stored) equal the library's.
    const windows = sessionWindows(session, sessionParams);
    // An eth_call runs at the latest block, whose own hash blockhash() cannot read: one block past B.
    await c.mineTo(windows.proofStart);
    const proofSeed = (await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock })).hash as Hex;
    const keys = first.map(({ application: app }) =>
      claimKey({ supplier: owner.address, application: app, model: modelId, session }),
    );
    const onChainDraws = await inChunks(keys, CHUNK, (key) =>
      client.readContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "proofDraws",
        args: [key],
      }),
    );
    first.forEach(({ root }, i) => {
      const library = proofDraws({ proofSeed, claimKey: keys[i] as Hex, root });
      expect([library.sumDraw, library.countDraw], `claim ${i}`).toEqual(onChainDraws[i]);
    });

    // The real claim: proveClaim's 1 or 2 proofs, with their relays, are what prove() accepts.
    const realKey = keys[0] as Hex;
    const proofs = proveClaim(trie, { proofSeed, claimKey: realKey });
    const draws = proofDraws({ proofSeed, claimKey: realKey, root: trie.root() });
    const calldata = proofs.map((proof) => {
      const leaf = byKey.get(proof.key);
      if (!leaf) throw new Error("a drawn leaf is not one of the relays");
      return { leaf, sideNodes: proof.sideNodes, emptyMask: proof.emptyMask };
    });
    const domain = { chainId, verifyingContract: settlement };
    for (const [by, drawn, index] of [
      ["sum", draws.sumDraw, 0],
      ["count", draws.countDraw, proofs.length - 1],
    ] as const) {
      const entry = calldata[index];
      if (!entry) throw new Error("missing proof");
      expect(
        verifyRelayProof({ domain, root: trie.root(), by, drawn, relay: entry.leaf, ...entry }).valid,
        `${by} proof`,
      ).toBe(true);
    }
    if (calldata.length === 2) {
      // The two proofs swapped: the count-drawn leaf is not drawn by sum (LeafNotDrawn), on- and off-chain.
      await expect(
        c.publicClient.simulateContract({
          address: settlement,
          abi: aviarySettlementAbi,
          functionName: "prove",
          args: [realKey, [calldata[1], calldata[0]] as typeof calldata],
          account: operator.address,
        }),
      ).rejects.toThrow(/LeafNotDrawn/);
    }
    const receipt = await c.send(operator, {
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "prove",
      args: [realKey, calldata],
    });
    const [proven] = parseEventLogs({ abi: aviarySettlementAbi, logs: receipt.logs, eventName: "Proven" });
    expect(proven?.args).toEqual({
      claimKey: realKey,
      sumRelayKey: proofs[0]?.key,
      countRelayKey: proofs[proofs.length - 1]?.key,
    });

    // First fold: the session's counts (saturating at uint64), from the initial state.
    const saturatedSum = (roots: { root: Node }[]) => {
      const total = roots.reduce((sum, { root }) => sum + root.count, 0n);
      return total > UINT64_MAX ? UINT64_MAX : total;
    };
    const firstFold = await foldOnChain(c, modelId, windows.claimEnd);
    const expectedFirst = foldDifficulty({
      state: initialDifficultyState,
      dataSession: session,
      minedCount: saturatedSum(first),
      probabilityWad: WAD,
      currentProbabilityWad: WAD,
      targetMinedPerSession: params.targetMinedPerSession,
      alphaWad: params.difficultyAlphaWad,
    });
    expect(firstFold).toMatchObject({
      dataSession: session,
      emaWad: expectedFirst.state.emaWad,
      probabilityWad: expectedFirst.probabilityWad,
    });

    // Two sessions without claims, then claims again: the second fold recovers p over the idle sessions.
    const later = session + 3n;
    await c.mineTo(later * 20n);
    const second = Array.from({ length: 3 }, (_, i) => ({
      application: rng.address(),
      root: randomRoot(i + 2),
    }));
    await claimAll(c, operator, owner.address, modelId, later, second);
    const [laterProbability, latestProbability] = await Promise.all([
      client.readContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "miningProbabilityAt",
        args: [modelId, later],
      }),
      client.readContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "miningProbabilityAt",
        args: [modelId, (1n << 48n) - 1n],
      }),
    ]);
    expect(latestProbability).toBe(expectedFirst.probabilityWad);
    const secondFold = await foldOnChain(c, modelId, sessionWindows(later, sessionParams).claimEnd);
    const expectedSecond = foldDifficulty({
      state: expectedFirst.state,
      dataSession: later,
      minedCount: saturatedSum(second),
      probabilityWad: laterProbability,
      currentProbabilityWad: latestProbability,
      targetMinedPerSession: params.targetMinedPerSession,
      alphaWad: params.difficultyAlphaWad,
    });
    expect(expectedSecond.idleSessions).toBe(2n);
    expect(secondFold).toMatchObject({
      dataSession: later,
      emaWad: expectedSecond.state.emaWad,
      probabilityWad: expectedSecond.probabilityWad,
    });
    const [initialized, emaWad, pendingSession, , hasPending] = await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "difficultyOf",
      args: [modelId],
    });
    expect({ initialized, emaWad, pendingSession, hasPending }).toEqual({
      initialized: true,
      emaWad: expectedSecond.state.emaWad,
      pendingSession: later,
      hasPending: false,
    });
  });
});

/**
 * Sends every claim of `session` in one block (automine off, then one block): the claim window is 8 blocks,
 * more claims than that would not fit one transaction a block.
 */
async function claimAll(
  c: Clients,
  operator: Actor,
  supplier: Address,
  model: Hex,
  session: bigint,
  claims: { application: Address; root: Node }[],
): Promise<void> {
  const { claimStart } = sessionWindows(session, {
    sessionBlocks: 20n,
    graceBlocks: 4n,
    claimBlocks: 8n,
    proofBlocks: 8n,
  });
  await c.mineTo(claimStart - 1n);
  const wallet = createWalletClient({
    account: privateKeyToAccount(operator.privateKey),
    chain: c.chain,
    transport: http(devnet.rpcUrl),
  });
  let nonce = await c.publicClient.getTransactionCount({ address: operator.address, blockTag: "pending" });
  const hashes: Hex[] = [];
  await c.testClient.setAutomine(false);
  try {
    for (const { application, root } of claims)
      hashes.push(
        await wallet.writeContract({
          address: settlement,
          abi: aviarySettlementAbi,
          functionName: "claim",
          args: [supplier, application, model, session, root],
          gas: 1_000_000n,
          nonce: nonce++,
        }),
      );
    await c.testClient.mine({ blocks: 1 });
  } finally {
    await c.testClient.setAutomine(true);
  }
  for (const hash of hashes) {
    const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status, `claim ${hash}`).toBe("success");
    expect(receipt.blockNumber).toBe(claimStart);
  }
}

/** Calls updateDifficulty after `claimEnd` and returns the DifficultyUpdated event's fields. */
async function foldOnChain(c: Clients, model: Hex, claimEnd: bigint) {
  await c.mineTo(claimEnd);
  const receipt = await c.send(actor(devnet, "treasury"), {
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: "updateDifficulty",
    args: [model],
  });
  const [event] = parseEventLogs({
    abi: aviarySettlementAbi,
    logs: receipt.logs,
    eventName: "DifficultyUpdated",
  });
  if (!event) throw new Error("updateDifficulty did not fold");
  // p' takes effect from currentSession() + 1 at the folding block.
  expect(event.args.effectiveSession).toBe(receipt.blockNumber / 20n + 1n);
  return event.args;
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
