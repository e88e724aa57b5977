import { type Hex, toHex } from "viem";
import { describe, expect, test } from "vitest";
import { ProofInvalidError } from "../errors/trie.ts";
import { buildSumTrie } from "./buildSumTrie.ts";
import { fromCompactProof } from "./fromCompactProof.ts";
import { hashTrieInner } from "./hashTrieInner.ts";
import { hashTrieLeaf } from "./hashTrieLeaf.ts";
import { SumTrie } from "./SumTrie.ts";
import { toCompactProof } from "./toCompactProof.ts";
import { type ClosestProof, EMPTY_TRIE_NODE, type TrieLeaf, type TrieNode } from "./types.ts";
import { verifyClosestProof } from "./verifyClosestProof.ts";

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomHex = (random: () => number, bytes = 32): Hex =>
  toHex(Uint8Array.from({ length: bytes }, () => Math.floor(random() * 256)));
function randomLeaves(random: () => number, count: number): TrieLeaf[] {
  return Array.from({ length: count }, () => ({
    key: randomHex(random),
    valueHash: randomHex(random),
    weight: BigInt(Math.floor(random() * 1e6)),
  }));
}
/** The closest leaf is the one minimising key XOR target (MSB-first preference for the target's side). */
function bruteForceClosest(leaves: TrieLeaf[], target: Hex): TrieLeaf {
  let best = leaves[0] as TrieLeaf;
  for (const leaf of leaves)
    if ((BigInt(leaf.key) ^ BigInt(target)) < (BigInt(best.key) ^ BigInt(target))) best = leaf;
  return best;
}

describe("closest proofs on random tries", () => {
  const random = seeded(3);
  const sizes = [1, 2, 3, 10, 100, 1000];
  for (const size of sizes) {
    test(`test_proveClosest_${size}Leaves_verifiesAndPicksTheClosest`, () => {
      const leaves = randomLeaves(random, size);
      const trie = buildSumTrie(leaves);
      const root = trie.root();
      for (let i = 0; i < 100; i++) {
        const target = i < 5 && size > 5 ? (leaves[i] as TrieLeaf).key : randomHex(random);
        const proof = trie.proveClosest(target);
        const expected = bruteForceClosest(leaves, target);
        expect(proof.key).toBe(expected.key);
        expect(proof.valueHash).toBe(expected.valueHash);
        expect(proof.weight).toBe(expected.weight);
        expect(verifyClosestProof({ root, target, ...proof })).toEqual({
          valid: true,
          depth: proof.sideNodes.length,
        });
        const compact = toCompactProof(proof);
        expect(compact.sideNodes.length).toBeLessThanOrEqual(proof.sideNodes.length);
        expect(verifyClosestProof({ root, target, ...compact })).toEqual({
          valid: true,
          depth: proof.sideNodes.length,
        });
        expect(fromCompactProof(compact)).toEqual(proof);
      }
    });
  }

  test("test_proveClosest_oneLeaf_hasDepthZero", () => {
    const trie = new SumTrie();
    const leaf = randomLeaves(random, 1)[0] as TrieLeaf;
    trie.insert(leaf.key, leaf.valueHash, leaf.weight);
    const proof = trie.proveClosest(randomHex(random));
    expect(proof.sideNodes).toEqual([]);
    expect(toCompactProof(proof).emptyMask).toBe(0n);
    expect(verifyClosestProof({ root: trie.root(), target: randomHex(random), ...proof })).toEqual({
      valid: true,
      depth: 0,
    });
  });

  test("test_proveClosest_incrementalTrieAfterMoreInserts_staysValid", () => {
    const leaves = randomLeaves(random, 300);
    const trie = new SumTrie();
    for (const [index, leaf] of leaves.entries()) {
      trie.insert(leaf.key, leaf.valueHash, leaf.weight);
      if (index % 37 === 0) {
        const target = randomHex(random);
        expect(verifyClosestProof({ root: trie.root(), target, ...trie.proveClosest(target) }).valid).toBe(
          true,
        );
      }
    }
  });
});

describe("tampered proofs fail with the right reason", () => {
  const random = seeded(5);
  const leaves = randomLeaves(random, 500);
  const trie = buildSumTrie(leaves);
  const root = trie.root();
  const cases = Array.from({ length: 50 }, () => {
    const target = randomHex(random);
    return { target, proof: trie.proveClosest(target) };
  });
  const nonEmptyIndex = (proof: ClosestProof) => proof.sideNodes.findIndex((node) => node.count > 0n);

  test("test_verify_changedSideNodeSum_rootMismatch", () => {
    for (const { target, proof } of cases) {
      const index = nonEmptyIndex(proof);
      const sideNodes = proof.sideNodes.map((node, i) =>
        i === index ? { ...node, sum: node.sum + 1n } : node,
      );
      expect(verifyClosestProof({ root, target, ...proof, sideNodes })).toMatchObject({
        valid: false,
        reason: "root-mismatch",
      });
    }
  });

  test("test_verify_changedLeafWeight_rootMismatch", () => {
    for (const { target, proof } of cases)
      expect(verifyClosestProof({ root, target, ...proof, weight: proof.weight + 1n })).toMatchObject({
        valid: false,
        reason: "root-mismatch",
      });
  });

  test("test_verify_changedRootSumOrCount_rootMismatch", () => {
    const { target, proof } = cases[0] as (typeof cases)[number];
    expect(verifyClosestProof({ root: { ...root, sum: root.sum - 1n }, target, ...proof })).toMatchObject({
      reason: "root-mismatch",
    });
    expect(verifyClosestProof({ root: { ...root, count: root.count + 1n }, target, ...proof })).toMatchObject(
      { reason: "root-mismatch" },
    );
  });

  test("test_verify_swappedSideNodes_fails", () => {
    let checked = 0;
    for (const { target, proof } of cases) {
      const nonEmpty = proof.sideNodes.map((node, i) => (node.count > 0n ? i : -1)).filter((i) => i >= 0);
      if (nonEmpty.length < 2) continue;
      const [i, j] = nonEmpty as [number, number];
      const sideNodes = [...proof.sideNodes];
      [sideNodes[i], sideNodes[j]] = [sideNodes[j] as TrieNode, sideNodes[i] as TrieNode];
      const verdict = verifyClosestProof({ root, target, ...proof, sideNodes });
      expect(verdict.valid).toBe(false);
      // Swapping two non-empty siblings keeps closeness (both positions needed no Empty), so the fold fails.
      expect(verdict).toMatchObject({ reason: "root-mismatch" });
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  test("test_verify_droppedSideNode_fails", () => {
    for (const { target, proof } of cases) {
      const verdict = verifyClosestProof({ root, target, ...proof, sideNodes: proof.sideNodes.slice(1) });
      expect(verdict.valid).toBe(false);
      expect(["root-mismatch", "not-closest"]).toContain((verdict as { reason: string }).reason);
      const compact = toCompactProof(proof);
      const dropped = verifyClosestProof({
        root,
        target,
        ...compact,
        sideNodes: compact.sideNodes.slice(0, -1),
      });
      expect(dropped.valid).toBe(false);
    }
  });

  test("test_verify_wrongKey_fails", () => {
    for (const { target, proof } of cases) {
      const other = leaves.find((leaf) => leaf.key !== proof.key) as TrieLeaf;
      const verdict = verifyClosestProof({ root, target, ...proof, key: other.key });
      expect(verdict.valid).toBe(false);
      // A different key with the real value fails the fold (or the closeness check first).
      expect(["root-mismatch", "not-closest"]).toContain((verdict as { reason: string }).reason);
      // Flip the key's last bit: same path, different leaf hash.
      const flipped =
        `${proof.key.slice(0, 64)}${(Number.parseInt(proof.key.slice(64), 16) ^ 1).toString(16).padStart(2, "0")}` as Hex;
      expect(verifyClosestProof({ root, target, ...proof, key: flipped })).toMatchObject({
        reason: "root-mismatch",
      });
    }
  });

  test("test_verify_notClosestLeaf_rejectedEvenWithValidInclusion", () => {
    let checked = 0;
    for (const { target, proof } of cases) {
      // A genuine inclusion proof of another leaf (the closest to a different target), presented for `target`.
      const other = trie.proveClosest(randomHex(random));
      if (other.key === proof.key) continue;
      const verdict = verifyClosestProof({ root, target, ...other });
      expect(verdict).toMatchObject({ valid: false, reason: "not-closest" });
      expect(verifyClosestProof({ root, target, ...toCompactProof(other) })).toMatchObject({
        reason: "not-closest",
      });
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });

  test("test_verify_handBuiltNonClosest_twoLeafTrie", () => {
    const a = { key: `0x00${"11".repeat(31)}` as Hex, valueHash: `0x${"aa".repeat(32)}` as Hex, weight: 1n };
    const b = { key: `0x80${"11".repeat(31)}` as Hex, valueHash: `0x${"bb".repeat(32)}` as Hex, weight: 2n };
    const root = hashTrieInner({ left: hashTrieLeaf(a), right: hashTrieLeaf(b) });
    const target = `0x${"00".repeat(32)}` as Hex; // bit 0 = 0: the closest is a
    expect(verifyClosestProof({ root, target, ...a, sideNodes: [hashTrieLeaf(b)] })).toEqual({
      valid: true,
      depth: 1,
    });
    expect(verifyClosestProof({ root, target, ...b, sideNodes: [hashTrieLeaf(a)] })).toEqual({
      valid: false,
      reason: "not-closest",
      depth: 0,
    });
    // Hiding the sibling as "Empty" breaks the fold instead.
    expect(verifyClosestProof({ root, target, ...b, sideNodes: [{ ...EMPTY_TRIE_NODE }] })).toMatchObject({
      reason: "root-mismatch",
    });
  });

  test("test_verify_depthChecks", () => {
    const { target, proof } = cases[0] as (typeof cases)[number];
    const compact = toCompactProof(proof);
    const depth = proof.sideNodes.length;
    expect(
      verifyClosestProof({
        root,
        target,
        ...compact,
        emptyMask: compact.emptyMask | (1n << BigInt(depth + 3)),
      }),
    ).toMatchObject({
      valid: false,
      reason: "depth",
    });
    expect(
      verifyClosestProof({
        root,
        target,
        ...proof,
        sideNodes: Array.from({ length: 257 }, () => ({ ...EMPTY_TRIE_NODE })),
      }),
    ).toMatchObject({ valid: false, reason: "depth" });
    expect(
      verifyClosestProof({
        root,
        target,
        ...compact,
        sideNodes: [{ ...EMPTY_TRIE_NODE }],
        emptyMask: (1n << 256n) - 1n,
      }),
    ).toMatchObject({
      valid: false,
      reason: "depth",
      depth: 257,
    });
    expect(() => fromCompactProof({ ...compact, emptyMask: 1n << 300n })).toThrow(ProofInvalidError);
    expect(verifyClosestProof({ root, target, ...compact, emptyMask: 1n << 300n })).toMatchObject({
      reason: "malformed",
    });
    expect(() =>
      fromCompactProof({ ...compact, emptyMask: compact.emptyMask | (1n << BigInt(depth + 1)) }),
    ).toThrow(ProofInvalidError);
  });

  test("test_verify_explicitEmptyInCompactForm_isAccepted", () => {
    // An Empty side node sent in sideNodes instead of the mask folds to the same hash; both are Empty.
    const { target, proof } = cases.find(({ proof }) =>
      proof.sideNodes.some((node) => node.count === 0n),
    ) as (typeof cases)[number];
    expect(verifyClosestProof({ root, target, ...proof, emptyMask: 0n })).toMatchObject({ valid: true });
  });

  test("test_verify_malformedInputs_returnMalformed", () => {
    const { target, proof } = cases[0] as (typeof cases)[number];
    expect(verifyClosestProof({ root, target: "0x12" as Hex, ...proof })).toMatchObject({
      reason: "malformed",
    });
    expect(verifyClosestProof({ root, target, ...proof, weight: -1n })).toMatchObject({
      reason: "malformed",
    });
    expect(verifyClosestProof({ root, target, ...proof, weight: 1n << 128n })).toMatchObject({
      reason: "malformed",
    });
    const sideNodes = proof.sideNodes.map((node, i) => (i === 0 ? { ...node, count: -1n } : node));
    expect(verifyClosestProof({ root, target, ...proof, sideNodes })).toMatchObject({ reason: "malformed" });
  });

  test("test_verify_overflowingSideNodes_rootMismatchLikeTheContract", () => {
    const leaf = {
      key: `0x00${"11".repeat(31)}` as Hex,
      valueHash: `0x${"aa".repeat(32)}` as Hex,
      weight: 5n,
    };
    const huge: TrieNode = { hash: `0x${"01".repeat(32)}`, sum: (1n << 128n) - 1n, count: 1n };
    expect(
      verifyClosestProof({ root: { ...EMPTY_TRIE_NODE }, target: leaf.key, ...leaf, sideNodes: [huge] }),
    ).toMatchObject({ valid: false, reason: "root-mismatch", depth: 1 });
  });
});
