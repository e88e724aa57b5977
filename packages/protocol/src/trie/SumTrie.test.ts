import { keccak_256 } from "@noble/hashes/sha3";
import { concat, type Hex, keccak256, numberToHex, toHex } from "viem";
import { describe, expect, test } from "vitest";
import {
  TrieDuplicateKeyError,
  TrieEmptyError,
  TrieInputError,
  TrieSumOverflowError,
} from "../errors/trie.ts";
import { seededRandom as seeded } from "../random/seededRandom.ts";
import { buildSumTrie } from "./buildSumTrie.ts";
import { hashTrieInner } from "./hashTrieInner.ts";
import { hashTrieLeaf } from "./hashTrieLeaf.ts";
import { SumTrie } from "./SumTrie.ts";
import { EMPTY_TRIE_NODE, type TrieLeaf, type TrieNode } from "./types.ts";

// ── A deliberately naive reference, written from protocol.md §6 with viem hex helpers ──
const EMPTY: TrieNode = { hash: `0x${"00".repeat(32)}`, sum: 0n, count: 0n };
function referenceLeaf(leaf: TrieLeaf): TrieNode {
  return {
    hash: keccak256(concat(["0x00", leaf.key, leaf.valueHash, numberToHex(leaf.weight, { size: 16 })])),
    sum: leaf.weight,
    count: 1n,
  };
}
function referenceInner(left: TrieNode, right: TrieNode): TrieNode {
  const encode = (node: TrieNode) => [
    node.hash,
    numberToHex(node.sum, { size: 16 }),
    numberToHex(node.count, { size: 8 }),
  ];
  return {
    hash: keccak256(concat(["0x01", ...encode(left), ...encode(right)])),
    sum: left.sum + right.sum,
    count: left.count + right.count,
  };
}
function referenceRoot(leaves: TrieLeaf[], depth = 0): TrieNode {
  if (leaves.length === 0) return EMPTY;
  if (leaves.length === 1) return referenceLeaf(leaves[0] as TrieLeaf);
  const bit = (key: Hex) => (BigInt(key) >> BigInt(255 - depth)) & 1n;
  return referenceInner(
    referenceRoot(
      leaves.filter((leaf) => bit(leaf.key) === 0n),
      depth + 1,
    ),
    referenceRoot(
      leaves.filter((leaf) => bit(leaf.key) === 1n),
      depth + 1,
    ),
  );
}

function randomHex(random: () => number, bytes = 32): Hex {
  return toHex(Uint8Array.from({ length: bytes }, () => Math.floor(random() * 256)));
}
function randomLeaves(random: () => number, count: number): TrieLeaf[] {
  return Array.from({ length: count }, () => ({
    key: randomHex(random),
    valueHash: randomHex(random),
    weight: BigInt(Math.floor(random() * 1e9)),
  }));
}
const word = (firstByte: string, rest = "00") => `0x${firstByte}${rest.repeat(31)}` as Hex;

describe("SumTrie: roots for small hand-checked cases", () => {
  const valueA = word("aa", "aa");
  const valueB = word("bb", "bb");
  const valueC = word("cc", "cc");

  test("test_root_empty_isEmptyNode", () => {
    expect(new SumTrie().root()).toEqual(EMPTY);
    expect(buildSumTrie([]).root()).toEqual(EMPTY);
  });

  test("test_root_oneLeaf_isTheLeaf", () => {
    const trie = new SumTrie();
    trie.insert(word("12", "34"), valueA, 7n);
    const manual = keccak_256(
      Uint8Array.from([
        0,
        ...Buffer.from(`12${"34".repeat(31)}`, "hex"),
        ...Buffer.from("aa".repeat(32), "hex"),
        ...new Uint8Array(15),
        7,
      ]),
    );
    expect(trie.root()).toEqual({ hash: toHex(manual), sum: 7n, count: 1n });
    expect(trie.root()).toEqual(hashTrieLeaf({ key: word("12", "34"), valueHash: valueA, weight: 7n }));
  });

  test("test_root_twoLeavesDifferingInBit0_isInnerOfBoth", () => {
    const a = { key: word("00", "11"), valueHash: valueA, weight: 3n };
    const b = { key: word("80", "11"), valueHash: valueB, weight: 5n };
    const trie = new SumTrie();
    trie.insert(b.key, b.valueHash, b.weight);
    trie.insert(a.key, a.valueHash, a.weight);
    const expected = referenceInner(referenceLeaf(a), referenceLeaf(b));
    expect(trie.root()).toEqual(expected);
    expect(expected).toEqual(hashTrieInner({ left: hashTrieLeaf(a), right: hashTrieLeaf(b) }));
    expect(expected.sum).toBe(8n);
    expect(expected.count).toBe(2n);
  });

  test("test_root_twoLeavesSharingThreeBits_hasChainWithEmptySiblings", () => {
    // 0x00… and 0x10… share bits 0..2 and differ at bit 3: inner nodes at depths 0..3.
    const a = { key: word("00"), valueHash: valueA, weight: 1n };
    const b = { key: word("10"), valueHash: valueB, weight: 2n };
    let node = referenceInner(referenceLeaf(a), referenceLeaf(b)); // depth 3
    for (let depth = 2; depth >= 0; depth--) node = referenceInner(node, EMPTY); // all on the left (bit 0)
    expect(buildSumTrie([a, b]).root()).toEqual(node);
    const trie = new SumTrie();
    trie.insert(a.key, a.valueHash, a.weight);
    trie.insert(b.key, b.valueHash, b.weight);
    expect(trie.root()).toEqual(node);
  });

  test("test_root_threeLeaves_matchesHandTree", () => {
    const a = { key: word("00"), valueHash: valueA, weight: 1n }; // 00…
    const b = { key: word("40"), valueHash: valueB, weight: 2n }; // 01…
    const c = { key: word("80"), valueHash: valueC, weight: 4n }; // 1…
    const expected = referenceInner(referenceInner(referenceLeaf(a), referenceLeaf(b)), referenceLeaf(c));
    for (const order of [
      [a, b, c],
      [c, b, a],
      [b, c, a],
    ]) {
      const trie = new SumTrie();
      for (const leaf of order) trie.insert(leaf.key, leaf.valueHash, leaf.weight);
      expect(trie.root()).toEqual(expected);
    }
    expect(buildSumTrie([c, a, b]).root()).toEqual(expected);
  });

  test("test_root_keysDifferingOnlyInLastBit_depth256", () => {
    const a = { key: `0x${"ab".repeat(31)}fe` as Hex, valueHash: valueA, weight: 1n };
    const b = { key: `0x${"ab".repeat(31)}ff` as Hex, valueHash: valueB, weight: 1n };
    expect(buildSumTrie([a, b]).root()).toEqual(referenceRoot([a, b]));
    const trie = new SumTrie();
    trie.insert(b.key, b.valueHash, b.weight);
    trie.insert(a.key, a.valueHash, a.weight);
    expect(trie.root()).toEqual(referenceRoot([a, b]));
    // Weight 1 each: the sum draw 0 is a (left), 1 is b; both at depth 256.
    expect(trie.proveDrawn("sum", 0n)).toMatchObject({ key: a.key });
    expect(trie.proveDrawn("sum", 1n).sideNodes).toHaveLength(256);
  });
});

describe("SumTrie: random tries", () => {
  test("test_root_random_matchesReference", () => {
    const random = seeded(7);
    for (const count of [1, 2, 3, 5, 17, 64, 300]) {
      const leaves = randomLeaves(random, count);
      const expected = referenceRoot(leaves);
      expect(buildSumTrie(leaves).root()).toEqual(expected);
      const trie = new SumTrie({ capacity: 1 });
      for (const leaf of leaves) trie.insert(leaf.key, leaf.valueHash, leaf.weight);
      expect(trie.root()).toEqual(expected);
      expect(trie.size).toBe(count);
    }
  });

  test("test_incrementalAndBulk_agree_withInterleavedRoots", () => {
    const random = seeded(11);
    const leaves = randomLeaves(random, 3000);
    // Keys sharing long prefixes too, to exercise chains.
    for (let i = 0; i < 200; i++)
      leaves.push({
        key: `0x${"5a".repeat(20)}${randomHex(random, 12).slice(2)}`,
        valueHash: randomHex(random),
        weight: 1n,
      });
    const trie = new SumTrie();
    const roots: TrieNode[] = [];
    leaves.forEach((leaf, index) => {
      trie.insert(leaf.key, leaf.valueHash, leaf.weight);
      if (index % 500 === 0) roots.push(trie.root());
    });
    expect(trie.root()).toEqual(buildSumTrie(leaves).root());
    expect(roots[1]).toEqual(buildSumTrie(leaves.slice(0, 501)).root());
    // Bytes in, same answer.
    const bytes = buildSumTrie(
      leaves.map((leaf) => ({
        key: Buffer.from(leaf.key.slice(2), "hex") as Uint8Array,
        valueHash: Buffer.from(leaf.valueHash.slice(2), "hex") as Uint8Array,
        weight: leaf.weight,
      })),
    );
    expect(bytes.root()).toEqual(trie.root());
  });

  test("test_bulkTrie_acceptsFurtherInserts", () => {
    const random = seeded(12);
    const leaves = randomLeaves(random, 400);
    const trie = buildSumTrie(leaves.slice(0, 300));
    for (const leaf of leaves.slice(300)) trie.insert(leaf.key, leaf.valueHash, leaf.weight);
    expect(trie.root()).toEqual(referenceRoot(leaves));
  });

  test("test_bulk_keysWithEqualPrefixes_sortedByFullKey", () => {
    const random = seeded(13);
    const leaves = Array.from({ length: 500 }, () => ({
      key: `0x${"00".repeat(8)}${randomHex(random, 24).slice(2)}` as Hex,
      valueHash: randomHex(random),
      weight: 2n,
    }));
    expect(buildSumTrie(leaves).root()).toEqual(referenceRoot(leaves));
  });
});

describe("SumTrie: errors", () => {
  const value = word("aa", "aa");

  test("test_insert_duplicateKey_throwsAndLeavesTrieUnchanged", () => {
    const trie = new SumTrie();
    trie.insert(word("01"), value, 1n);
    trie.insert(word("02"), value, 1n);
    const before = trie.root();
    expect(() => trie.insert(word("01"), value, 9n)).toThrow(TrieDuplicateKeyError);
    expect(trie.size).toBe(2);
    expect(trie.root()).toEqual(before);
    trie.insert(word("03"), value, 1n);
    expect(trie.root()).toEqual(
      referenceRoot(
        [word("01"), word("02"), word("03")].map((key) => ({ key, valueHash: value, weight: 1n })),
      ),
    );
  });

  test("test_build_duplicateKey_throws", () => {
    expect(() =>
      buildSumTrie([
        { key: word("01"), valueHash: value, weight: 1n },
        { key: word("02"), valueHash: value, weight: 1n },
        { key: word("01"), valueHash: word("bb"), weight: 2n },
      ]),
    ).toThrow(TrieDuplicateKeyError);
  });

  test("test_insert_malformedInputs_throwTrieInputError", () => {
    const trie = new SumTrie();
    expect(() => trie.insert("0x12" as Hex, value, 1n)).toThrow(TrieInputError);
    expect(() => trie.insert(word("01"), `0x${"zz".repeat(32)}` as Hex, 1n)).toThrow(TrieInputError);
    expect(() => trie.insert(word("01"), value, -1n)).toThrow(TrieInputError);
    expect(() => trie.insert(word("01"), value, 1n << 128n)).toThrow(TrieInputError);
    expect(() => trie.insert(word("01"), value, 1 as unknown as bigint)).toThrow(TrieInputError);
    expect(() => trie.insert(new Uint8Array(31), value, 1n)).toThrow(TrieInputError);
    expect(trie.size).toBe(0);
  });

  test("test_insert_totalAboveUint128_throwsOverflow", () => {
    const trie = new SumTrie();
    trie.insert(word("01"), value, (1n << 128n) - 1n);
    expect(() => trie.insert(word("02"), value, 1n)).toThrow(TrieSumOverflowError);
    expect(trie.root().sum).toBe((1n << 128n) - 1n);
    expect(() =>
      buildSumTrie([
        { key: word("01"), valueHash: value, weight: 1n << 127n },
        { key: word("02"), valueHash: value, weight: 1n << 127n },
      ]),
    ).toThrow(TrieSumOverflowError);
  });

  test("test_maxWeights_sumCarriesAcrossWords", () => {
    const leaves = [word("01"), word("81"), word("41")].map((key, i) => ({
      key,
      valueHash: value,
      weight: i === 2 ? 1n : (1n << 126n) + 0xffffffffffffffffn,
    }));
    expect(buildSumTrie(leaves).root()).toEqual(referenceRoot(leaves));
  });

  test("test_proveDrawn_emptyTrie_throws", () => {
    expect(() => new SumTrie().proveDrawn("sum", 0n)).toThrow(TrieEmptyError);
    expect(() => new SumTrie().proveDrawn("count", 0n)).toThrow(TrieEmptyError);
    expect(EMPTY_TRIE_NODE).toEqual(EMPTY);
  });
});
