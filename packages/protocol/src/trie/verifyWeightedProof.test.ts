import { encodeAbiParameters, type Hex, keccak256, toHex } from "viem";
import { describe, expect, test } from "vitest";
import { ProofInvalidError, TrieInputError } from "../errors/trie.ts";
import { ValueOutOfRangeError } from "../errors/values.ts";
import { proofDraws } from "../mining/proofDraws.ts";
import { seededRandom as seeded } from "../random/seededRandom.ts";
import { buildSumTrie } from "./buildSumTrie.ts";
import { fromCompactProof } from "./fromCompactProof.ts";
import { hashTrieInner } from "./hashTrieInner.ts";
import { hashTrieLeaf } from "./hashTrieLeaf.ts";
import { proveClaim } from "./proveClaim.ts";
import { SumTrie } from "./SumTrie.ts";
import { toCompactProof } from "./toCompactProof.ts";
import {
  EMPTY_TRIE_NODE,
  type ProofDraw,
  type TrieLeaf,
  type TrieNode,
  type WeightedProof,
} from "./types.ts";
import { verifyWeightedProof } from "./verifyWeightedProof.ts";

const randomHex = (random: () => number, bytes = 32): Hex =>
  toHex(Uint8Array.from({ length: bytes }, () => Math.floor(random() * 256)));
function randomLeaves(random: () => number, count: number): TrieLeaf[] {
  return Array.from({ length: count }, () => ({
    key: randomHex(random),
    valueHash: randomHex(random),
    // Some zero weights: they can be drawn by count, never by sum.
    weight: random() < 0.1 ? 0n : BigInt(Math.floor(random() * 1e6)),
  }));
}
const randomBelow = (random: () => number, limit: bigint): bigint =>
  BigInt(Math.floor(random() * 2 ** 52)) % limit;

/**
 * The drawn leaf from the definition: the trie's in-order is key order (path bits are key bits, MSB first),
 * so by sum it is the first leaf in key order whose cumulative sum exceeds r, by count the r-th.
 */
function referenceDrawn(leaves: TrieLeaf[], by: ProofDraw, drawn: bigint): TrieLeaf {
  const sorted = [...leaves].sort((a, b) => (BigInt(a.key) < BigInt(b.key) ? -1 : 1));
  if (by === "count") return sorted[Number(drawn)] as TrieLeaf;
  let start = 0n;
  for (const leaf of sorted) {
    if (drawn < start + leaf.weight) return leaf;
    start += leaf.weight;
  }
  throw new Error("drawn is not below the total");
}

describe("weighted proofs on random tries", () => {
  const random = seeded(3);
  for (const size of [1, 2, 3, 10, 100, 1000]) {
    test(`test_proveDrawn_${size}Leaves_drawsTheDefinedLeafAndVerifies`, () => {
      const leaves = randomLeaves(random, size);
      if (leaves.every((leaf) => leaf.weight === 0n)) (leaves[0] as TrieLeaf).weight = 7n;
      const trie = buildSumTrie(leaves);
      const root = trie.root();
      for (let i = 0; i < 60; i++) {
        const by: ProofDraw = i % 2 === 0 ? "sum" : "count";
        const limit = by === "sum" ? root.sum : root.count;
        // The interval edges too: 0, the last value, and random ones.
        const drawn = i < 4 ? (i < 2 ? 0n : limit - 1n) : randomBelow(random, limit);
        const proof = trie.proveDrawn(by, drawn);
        const expected = referenceDrawn(leaves, by, drawn);
        expect(proof).toMatchObject(expected);
        const verdict = verifyWeightedProof({ root, by, drawn, ...proof });
        expect(verdict).toMatchObject({ valid: true, depth: proof.sideNodes.length });
        if (verdict.valid) {
          expect(drawn >= verdict.start && drawn < verdict.end).toBe(true);
          expect(verdict.end - verdict.start).toBe(by === "sum" ? proof.weight : 1n);
        }
        const compact = toCompactProof(proof);
        expect(verifyWeightedProof({ root, by, drawn, ...compact })).toEqual(verdict);
        expect(fromCompactProof(compact)).toEqual(proof);
      }
    });
  }

  test("test_proveDrawn_everyDrawOfASmallTrie_partitionsTheRange", () => {
    const leaves = randomLeaves(random, 12).map((leaf, i) => ({ ...leaf, weight: BigInt(i % 4) }));
    const trie = buildSumTrie(leaves);
    const root = trie.root();
    for (const by of ["sum", "count"] as const) {
      const limit = by === "sum" ? root.sum : root.count;
      let previousEnd = 0n;
      for (let drawn = 0n; drawn < limit; drawn++) {
        const proof = trie.proveDrawn(by, drawn);
        const verdict = verifyWeightedProof({ root, by, drawn, ...proof });
        if (!verdict.valid) throw new Error(`draw ${drawn} by ${by}: ${JSON.stringify(verdict)}`);
        // Consecutive draws walk the leaves' intervals in order, without gaps.
        if (drawn === verdict.start) {
          expect(verdict.start).toBe(previousEnd);
          previousEnd = verdict.end;
        }
        expect(proof.weight === 0n && by === "sum").toBe(false);
      }
      expect(previousEnd).toBe(limit);
    }
  });

  test("test_proveDrawn_oneLeaf_hasDepthZero_andIncrementalTrieStaysValid", () => {
    const trie = new SumTrie();
    const leaves = randomLeaves(random, 300).map((leaf) => ({ ...leaf, weight: leaf.weight + 1n }));
    for (const [index, leaf] of leaves.entries()) {
      trie.insert(leaf.key, leaf.valueHash, leaf.weight);
      if (index === 0) {
        const proof = trie.proveDrawn("sum", leaf.weight - 1n);
        expect(proof.sideNodes).toEqual([]);
        expect(toCompactProof(proof).emptyMask).toBe(0n);
        expect(verifyWeightedProof({ root: trie.root(), by: "count", drawn: 0n, ...proof })).toEqual({
          valid: true,
          depth: 0,
          start: 0n,
          end: 1n,
        });
      }
      if (index % 37 === 0) {
        const root = trie.root();
        const drawn = randomBelow(random, root.sum);
        expect(verifyWeightedProof({ root, by: "sum", drawn, ...trie.proveDrawn("sum", drawn) }).valid).toBe(
          true,
        );
      }
    }
  });

  test("test_proveDrawn_badDraws_throw", () => {
    const trie = buildSumTrie(randomLeaves(random, 5).map((leaf) => ({ ...leaf, weight: 3n })));
    expect(() => trie.proveDrawn("sum", 15n)).toThrow(TrieInputError);
    expect(() => trie.proveDrawn("count", 5n)).toThrow(TrieInputError);
    expect(() => trie.proveDrawn("count", -1n)).toThrow(TrieInputError);
    expect(() => trie.proveDrawn("weight" as ProofDraw, 0n)).toThrow(TrieInputError);
    expect(() => trie.proveDrawn("sum", 1 as unknown as bigint)).toThrow(TrieInputError);
    expect(trie.proveDrawn("sum", 14n).weight).toBe(3n);
    const zero = buildSumTrie([{ key: randomHex(random), valueHash: randomHex(random), weight: 0n }]);
    expect(() => zero.proveDrawn("sum", 0n)).toThrow(TrieInputError);
    expect(zero.proveDrawn("count", 0n).weight).toBe(0n);
  });
});

describe("tampered proofs fail with the contract's verdict", () => {
  const random = seeded(5);
  const leaves = randomLeaves(random, 500);
  const trie = buildSumTrie(leaves);
  const root = trie.root();
  const cases = Array.from({ length: 60 }, (_, i) => {
    const by: ProofDraw = i % 2 === 0 ? "sum" : "count";
    const drawn = randomBelow(random, by === "sum" ? root.sum : root.count);
    return { by, drawn, proof: trie.proveDrawn(by, drawn) };
  });
  const nonEmptyIndex = (proof: WeightedProof) => proof.sideNodes.findIndex((node) => node.count > 0n);

  test("test_verify_inflatedSiblingSumOrCount_rootMismatch", () => {
    for (const { by, drawn, proof } of cases) {
      const index = nonEmptyIndex(proof);
      for (const change of [{ sum: 1n }, { count: 1n }, { sum: 1n << 100n }]) {
        const sideNodes = proof.sideNodes.map((node, i) =>
          i === index
            ? { ...node, sum: node.sum + (change.sum ?? 0n), count: node.count + (change.count ?? 0n) }
            : node,
        );
        expect(verifyWeightedProof({ root, by, drawn, ...proof, sideNodes })).toMatchObject({
          valid: false,
          reason: "root-mismatch",
          depth: proof.sideNodes.length,
        });
      }
    }
  });

  /**
   * The attack weighted proofs exist for: a claim root over the real trie and a fake sibling whose sum (or
   * count) no leaf backs. The fold of any real leaf matches that root, but a draw that lands in the fake
   * subtree selects no real leaf: every real proof is `not-drawn` there, and the fake share is drawn with
   * probability equal to its share of S (of N).
   */
  test("test_verify_unbackedSiblingInRoot_drawsInsideItAreNotDrawn", () => {
    // Real leaves all left of the root (key bit 0 = 0): the honest root is (real subtree, Empty).
    const left = randomLeaves(random, 200).map((leaf) => ({
      ...leaf,
      key: `0x${(BigInt(leaf.key) >> 1n).toString(16).padStart(64, "0")}` as Hex,
      weight: leaf.weight + 1n,
    }));
    const honest = buildSumTrie(left);
    const real = honest.root();
    for (const fake of [
      { hash: randomHex(random), sum: real.sum, count: 1n }, // inflated sum: doubles S
      { hash: randomHex(random), sum: 1n, count: real.count * 3n }, // inflated count: 4N
    ]) {
      let caught = 0;
      let claimed: TrieNode | undefined;
      for (let i = 0; i < 200; i++) {
        for (const by of ["sum", "count"] as const) {
          const realLimit = by === "sum" ? real.sum : real.count;
          // The prover's best answer: a real leaf's proof with the Empty right sibling swapped for the fake.
          const honestProof = honest.proveDrawn(by, randomBelow(random, realLimit));
          expect(honestProof.sideNodes[0]).toEqual(EMPTY_TRIE_NODE);
          const proof = { ...honestProof, sideNodes: [fake, ...honestProof.sideNodes.slice(1)] };
          // The claimed root: the real subtree (depth 1) with the fake as its right sibling.
          claimed ??= hashTrieInner({ left: depth1Node(honestProof), right: fake });
          const limit = by === "sum" ? claimed.sum : claimed.count;
          const drawn = randomBelow(random, limit);
          const verdict = verifyWeightedProof({ root: claimed, by, drawn, ...proof });
          if (drawn < realLimit) {
            // Inside the real part the real leaf owning the draw is provable; others are not drawn.
            const owner = honest.proveDrawn(by, drawn);
            const ownerVerdict = verifyWeightedProof({
              root: claimed,
              by,
              drawn,
              ...owner,
              sideNodes: [fake, ...owner.sideNodes.slice(1)],
            });
            expect(ownerVerdict.valid).toBe(true);
          } else {
            expect(verdict).toMatchObject({ valid: false, reason: "not-drawn" });
            if ((by === "sum") === (fake.count === 1n)) caught++;
          }
        }
      }
      // Half of the sum draws land in a fake doubling of S; three quarters of the count draws in a fake 4N.
      expect(caught).toBeGreaterThan(fake.count === 1n ? 70 : 120);
    }
    /** The node at depth 1 (the real subtree), folded from a real proof. */
    function depth1Node(proof: WeightedProof): TrieNode {
      let node = hashTrieLeaf(proof);
      for (let depth = proof.sideNodes.length - 1; depth >= 1; depth--) {
        const side = proof.sideNodes[depth] as TrieNode;
        const bit = (BigInt(proof.key) >> BigInt(255 - depth)) & 1n;
        node =
          bit === 0n
            ? hashTrieInner({ left: node, right: side })
            : hashTrieInner({ left: side, right: node });
      }
      return node;
    }
  });

  test("test_verify_leafOutsideItsInterval_notDrawn", () => {
    let checked = 0;
    for (const { by, drawn, proof } of cases) {
      // A genuine proof of the leaf another draw selects, presented for this draw.
      const other = trie.proveDrawn(by, randomBelow(random, by === "sum" ? root.sum : root.count));
      if (other.key === proof.key) continue;
      const verdict = verifyWeightedProof({ root, by, drawn, ...other });
      expect(verdict).toMatchObject({ valid: false, reason: "not-drawn", depth: other.sideNodes.length });
      expect(verifyWeightedProof({ root, by, drawn, ...toCompactProof(other) })).toEqual(verdict);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    // The leaf's own interval edges: start is drawn, end is not (half-open).
    const { drawn, proof } = cases.find(
      (c) => c.by === "sum" && c.proof.weight > 1n,
    ) as (typeof cases)[number];
    const valid = verifyWeightedProof({ root, by: "sum", drawn, ...proof });
    if (!valid.valid) throw new Error("the case's own proof must verify");
    const { start } = valid;
    expect(verifyWeightedProof({ root, by: "sum", drawn: start, ...proof }).valid).toBe(true);
    expect(verifyWeightedProof({ root, by: "sum", drawn: start + proof.weight - 1n, ...proof }).valid).toBe(
      true,
    );
    expect(verifyWeightedProof({ root, by: "sum", drawn: start + proof.weight, ...proof })).toMatchObject({
      reason: "not-drawn",
    });
    if (start > 0n)
      expect(verifyWeightedProof({ root, by: "sum", drawn: start - 1n, ...proof })).toMatchObject({
        reason: "not-drawn",
      });
    // Above the root's total: nothing is drawn (the contract takes any uint256).
    expect(verifyWeightedProof({ root, by: "count", drawn: root.count, ...proof })).toMatchObject({
      reason: "not-drawn",
    });
  });

  test("test_verify_zeroWeightLeaf_neverDrawnBySum", () => {
    const zero = leaves.find((leaf) => leaf.weight === 0n) as TrieLeaf;
    const sorted = [...leaves].sort((a, b) => (BigInt(a.key) < BigInt(b.key) ? -1 : 1));
    const position = BigInt(sorted.indexOf(zero));
    const proof = trie.proveDrawn("count", position);
    expect(proof.key).toBe(zero.key);
    const byCount = verifyWeightedProof({ root, by: "count", drawn: position, ...proof });
    expect(byCount.valid).toBe(true);
    // Its interval by sum is empty: [start, start).
    const prefix = sorted.slice(0, Number(position)).reduce((sum, leaf) => sum + leaf.weight, 0n);
    expect(verifyWeightedProof({ root, by: "sum", drawn: prefix, ...proof })).toMatchObject({
      reason: "not-drawn",
    });
  });

  test("test_verify_changedLeafOrRoot_rootMismatch", () => {
    for (const { by, drawn, proof } of cases.slice(0, 20)) {
      expect(verifyWeightedProof({ root, by, drawn, ...proof, weight: proof.weight + 1n })).toMatchObject({
        reason: "root-mismatch",
      });
      expect(verifyWeightedProof({ root, by, drawn, ...proof, valueHash: randomHex(random) })).toMatchObject({
        reason: "root-mismatch",
      });
      const flipped = `0x${(BigInt(proof.key) ^ 1n).toString(16).padStart(64, "0")}` as Hex;
      expect(verifyWeightedProof({ root, by, drawn, ...proof, key: flipped })).toMatchObject({
        reason: "root-mismatch",
      });
      expect(
        verifyWeightedProof({ root: { ...root, sum: root.sum + 1n }, by, drawn, ...proof }),
      ).toMatchObject({ reason: "root-mismatch" });
      expect(
        verifyWeightedProof({ root: { ...root, count: root.count - 1n }, by, drawn, ...proof }),
      ).toMatchObject({ reason: "root-mismatch" });
    }
  });

  test("test_verify_wrongDepth_depthVerdict", () => {
    const { by, drawn, proof } = cases[0] as (typeof cases)[number];
    const compact = toCompactProof(proof);
    const depth = proof.sideNodes.length;
    // Mask bits at or above the depth (a new bit adds one level: bit D + 1 is above D + 1 levels).
    expect(
      verifyWeightedProof({
        root,
        by,
        drawn,
        ...compact,
        emptyMask: compact.emptyMask | (1n << BigInt(depth + 1)),
      }),
    ).toMatchObject({ valid: false, reason: "depth", depth: depth + 1 });
    // Bit D itself makes a valid (D + 1)-level mask, the extra level claimed Empty: the fold breaks instead.
    expect(
      verifyWeightedProof({
        root,
        by,
        drawn,
        ...compact,
        emptyMask: compact.emptyMask | (1n << BigInt(depth)),
      }),
    ).toMatchObject({ valid: false, reason: "root-mismatch", depth: depth + 1 });
    expect(
      verifyWeightedProof({ root, by, drawn, ...compact, emptyMask: compact.emptyMask | (1n << 255n) }),
    ).toMatchObject({ valid: false, reason: "depth" });
    // Above 256 levels, full and compact forms.
    expect(
      verifyWeightedProof({
        root,
        by,
        drawn,
        ...proof,
        sideNodes: Array.from({ length: 257 }, () => ({ ...EMPTY_TRIE_NODE })),
      }),
    ).toMatchObject({ valid: false, reason: "depth", depth: 257 });
    expect(
      verifyWeightedProof({
        root,
        by,
        drawn,
        ...compact,
        sideNodes: [{ ...EMPTY_TRIE_NODE }],
        emptyMask: (1n << 256n) - 1n,
      }),
    ).toMatchObject({ valid: false, reason: "depth", depth: 257 });
    // A side node dropped or added (depth off by one): the fold no longer gives the root.
    expect(
      verifyWeightedProof({ root, by, drawn, ...proof, sideNodes: proof.sideNodes.slice(1) }),
    ).toMatchObject({ reason: "root-mismatch", depth: depth - 1 });
    expect(
      verifyWeightedProof({ root, by, drawn, ...proof, sideNodes: [...proof.sideNodes, EMPTY_TRIE_NODE] }),
    ).toMatchObject({ reason: "root-mismatch", depth: depth + 1 });
    expect(() => fromCompactProof({ ...compact, emptyMask: 1n << 300n })).toThrow(ProofInvalidError);
    expect(verifyWeightedProof({ root, by, drawn, ...compact, emptyMask: 1n << 300n })).toMatchObject({
      reason: "malformed",
    });
  });

  test("test_verify_checkOrder_depthThenRootThenDraw", () => {
    const { by, proof } = cases[0] as (typeof cases)[number];
    const compact = toCompactProof(proof);
    const badRoot = { ...root, hash: randomHex(random) };
    const badDraw = root.sum + root.count; // drawn by nobody
    // Depth beats a wrong root and a wrong draw.
    expect(
      verifyWeightedProof({
        root: badRoot,
        by,
        drawn: badDraw,
        ...compact,
        emptyMask: compact.emptyMask | (1n << 255n),
      }),
    ).toMatchObject({ reason: "depth" });
    // The root beats a wrong draw.
    expect(verifyWeightedProof({ root: badRoot, by, drawn: badDraw, ...proof })).toMatchObject({
      reason: "root-mismatch",
    });
    expect(verifyWeightedProof({ root, by, drawn: badDraw, ...proof })).toMatchObject({
      reason: "not-drawn",
    });
  });

  test("test_verify_explicitEmptyInCompactForm_isAccepted", () => {
    const { by, drawn, proof } = cases.find(({ proof }) =>
      proof.sideNodes.some((node) => node.count === 0n),
    ) as (typeof cases)[number];
    expect(verifyWeightedProof({ root, by, drawn, ...proof, emptyMask: 0n })).toMatchObject({ valid: true });
  });

  test("test_verify_overflowingSideNodes_rootMismatchLikeTheContract", () => {
    const leaf = {
      key: `0x00${"11".repeat(31)}` as Hex,
      valueHash: `0x${"aa".repeat(32)}` as Hex,
      weight: 5n,
    };
    const hugeSum: TrieNode = { hash: `0x${"01".repeat(32)}`, sum: (1n << 128n) - 1n, count: 1n };
    const hugeCount: TrieNode = { hash: `0x${"01".repeat(32)}`, sum: 1n, count: (1n << 64n) - 1n };
    for (const side of [hugeSum, hugeCount])
      expect(
        verifyWeightedProof({
          root: { ...EMPTY_TRIE_NODE },
          by: "sum",
          drawn: 0n,
          ...leaf,
          sideNodes: [side],
        }),
      ).toMatchObject({ valid: false, reason: "root-mismatch", depth: 1 });
  });

  test("test_verify_handBuiltTwoLeafTrie", () => {
    const a = { key: `0x00${"11".repeat(31)}` as Hex, valueHash: `0x${"aa".repeat(32)}` as Hex, weight: 1n };
    const b = { key: `0x80${"11".repeat(31)}` as Hex, valueHash: `0x${"bb".repeat(32)}` as Hex, weight: 2n };
    const twoRoot = hashTrieInner({ left: hashTrieLeaf(a), right: hashTrieLeaf(b) });
    // By sum: a owns [0, 1), b owns [1, 3). By count: a is 0, b is 1.
    expect(
      verifyWeightedProof({ root: twoRoot, by: "sum", drawn: 0n, ...a, sideNodes: [hashTrieLeaf(b)] }),
    ).toEqual({ valid: true, depth: 1, start: 0n, end: 1n });
    expect(
      verifyWeightedProof({ root: twoRoot, by: "sum", drawn: 2n, ...b, sideNodes: [hashTrieLeaf(a)] }),
    ).toEqual({ valid: true, depth: 1, start: 1n, end: 3n });
    expect(
      verifyWeightedProof({ root: twoRoot, by: "sum", drawn: 1n, ...a, sideNodes: [hashTrieLeaf(b)] }),
    ).toMatchObject({ valid: false, reason: "not-drawn", depth: 1 });
    expect(
      verifyWeightedProof({ root: twoRoot, by: "count", drawn: 1n, ...b, sideNodes: [hashTrieLeaf(a)] }),
    ).toEqual({ valid: true, depth: 1, start: 1n, end: 2n });
    // Hiding the sibling as "Empty" breaks the fold instead.
    expect(
      verifyWeightedProof({ root: twoRoot, by: "sum", drawn: 0n, ...b, sideNodes: [{ ...EMPTY_TRIE_NODE }] }),
    ).toMatchObject({ reason: "root-mismatch" });
  });

  test("test_verify_malformedInputs_returnMalformed", () => {
    const { by, drawn, proof } = cases[0] as (typeof cases)[number];
    for (const changes of [
      { key: "0x12" as Hex },
      { weight: -1n },
      { weight: 1n << 128n },
      { drawn: -1n },
      { drawn: 1n << 256n },
      { drawn: 3 as unknown as bigint },
      { by: "weight" as ProofDraw },
      { sideNodes: proof.sideNodes.map((node, i) => (i === 0 ? { ...node, count: -1n } : node)) },
      { sideNodes: "nodes" as unknown as TrieNode[] },
    ])
      expect(verifyWeightedProof({ root, by, drawn, ...proof, ...changes })).toMatchObject({
        valid: false,
        reason: "malformed",
      });
  });
});

describe("proofDraws and proveClaim", () => {
  const random = seeded(8);

  test("test_proofDraws_matchAbiEncodedDraws", () => {
    for (let i = 0; i < 200; i++) {
      const proofSeed = randomHex(random);
      const claimKey = randomHex(random);
      const root = {
        sum: i % 10 === 0 ? (1n << 128n) - 1n : BigInt(1 + Math.floor(random() * 1e15)),
        count: i % 10 === 1 ? (1n << 64n) - 1n : BigInt(1 + Math.floor(random() * 1e6)),
      };
      const word = (index: bigint) =>
        BigInt(
          keccak256(
            encodeAbiParameters(
              [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }],
              [proofSeed, claimKey, index],
            ),
          ),
        );
      expect(proofDraws({ proofSeed, claimKey, root })).toEqual({
        sumDraw: word(1n) % root.sum,
        countDraw: word(2n) % root.count,
      });
    }
    const base = { proofSeed: randomHex(random), claimKey: randomHex(random) };
    expect(() => proofDraws({ ...base, root: { sum: 0n, count: 1n } })).toThrow(ValueOutOfRangeError);
    expect(() => proofDraws({ ...base, root: { sum: 1n, count: 0n } })).toThrow(ValueOutOfRangeError);
    expect(() => proofDraws({ ...base, proofSeed: "0x12", root: { sum: 1n, count: 1n } })).toThrow();
  });

  test("test_proveClaim_returnsOneProofPerDistinctLeaf_sumFirst", () => {
    let one = 0;
    let two = 0;
    for (let i = 0; i < 80; i++) {
      // Small tries (often one heavy leaf) make both draws land on one leaf sometimes.
      const leaves = randomLeaves(random, 1 + (i % 4)).map((leaf) => ({ ...leaf, weight: leaf.weight + 1n }));
      const trie = buildSumTrie(leaves);
      const root = trie.root();
      const parameters = { proofSeed: randomHex(random), claimKey: randomHex(random) };
      const { sumDraw, countDraw } = proofDraws({ ...parameters, root });
      const proofs = proveClaim(trie, parameters);
      const first = proofs[0];
      const last = proofs[proofs.length - 1];
      if (!first || !last) throw new Error("no proof");
      // What the contract checks: proofs[0] by sum, proofs[length − 1] by count.
      expect(verifyWeightedProof({ root, by: "sum", drawn: sumDraw, ...first }).valid).toBe(true);
      expect(verifyWeightedProof({ root, by: "count", drawn: countDraw, ...last }).valid).toBe(true);
      expect(first).toEqual(toCompactProof(trie.proveDrawn("sum", sumDraw)));
      if (proofs.length === 1) {
        one++;
        expect(trie.proveDrawn("count", countDraw).key).toBe(first.key);
      } else {
        two++;
        expect(proofs).toHaveLength(2);
        expect(last.key).not.toBe(first.key);
      }
    }
    expect(one).toBeGreaterThan(10);
    expect(two).toBeGreaterThan(10);
  });
});
