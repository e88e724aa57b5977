import type { Hex } from "viem";
import {
  TrieDuplicateKeyError,
  TrieEmptyError,
  TrieInputError,
  TrieSumOverflowError,
} from "../errors/trie.ts";
import { bytesInto, toHex } from "../internal/bytes.ts";
import { INNER_BYTES, INNER_RIGHT, LEAF_BYTES, UINT128_LIMIT } from "./encoding.ts";
import { keccak256BlockInto } from "./keccak.ts";
import {
  EMPTY_TRIE_NODE,
  type ProofDraw,
  type TrieLeafInput,
  type TrieNode,
  type WeightedProof,
} from "./types.ts";

/** Child slot value: no child (the Empty node). */
const EMPTY = -1;
/** `left` value marking a leaf node (its `right` then holds the leaf index). */
const LEAF = -2;
/** Most nodes one insert can add: a chain of inner nodes at depths 0..255 plus two leaves' worth of slack. */
const MAX_NODES_PER_INSERT = 258;

/** One keccak block each, zero past their encodings (see `keccak256BlockInto`). */
const leafScratch = new Uint8Array(136);
const scratch = new Uint8Array(136);
/** The rest of a sum draw during `proveDrawn`, four 32-bit words, most significant first. */
const drawWords = new Uint32Array(4);

export type SumTrieInsertErrorType = TrieInputError | TrieDuplicateKeyError | TrieSumOverflowError;
export type SumTrieProveDrawnErrorType = TrieInputError | TrieEmptyError;
export type SumTrieFromLeavesErrorType = SumTrieInsertErrorType;

/**
 * The sparse Merkle sum trie of protocol.md §6, built incrementally (or in bulk with {@link buildSumTrie}).
 *
 * Nodes live in typed arrays (hash 32 B, sum 16 B, count 4 B, two child links 8 B, a dirty flag: ~61 bytes a
 * node, ~2.44 nodes a leaf for random keys) plus 64 bytes a leaf for key and value hash, so a million leaves
 * take ~210 MB and no per-node objects or strings. Hashes are computed lazily: `insert` only links the leaf
 * and marks its path dirty; `root` and `proveDrawn` rehash what changed. Hex appears only at the API edge.
 *
 * Duplicate keys are rejected ({@link TrieDuplicateKeyError}), never replaced. The total weight must stay
 * below 2^128 ({@link TrieSumOverflowError}); counts are capped at 2^32 − 1 leaves by the storage.
 *
 * @example
 * ```ts
 * const trie = new SumTrie();
 * trie.insert(relayKey({ domain, request }), relayValueHash(relay), relayCost({ request, receipt }));
 * const root = trie.root(); // { hash, sum, count }: what `claim` takes
 * const proofs = proveClaim(trie, { proofSeed, claimKey }); // what `prove` takes: 1 or 2 compact proofs
 * const bySum = trie.proveDrawn("sum", proofDraws({ proofSeed, claimKey, root }).sumDraw); // full form
 * ```
 */
export class SumTrie {
  // Nodes.
  #left: Int32Array;
  #right: Int32Array;
  #hashes: Uint8Array;
  /** Four 32-bit words a node, most significant first. For a leaf: its weight. */
  #sums: Uint32Array;
  #counts: Uint32Array;
  #dirty: Uint8Array;
  #nodeCount = 0;
  #root = EMPTY;
  // Leaves.
  #keys: Uint8Array;
  #values: Uint8Array;
  #leafCount = 0;
  #total = 0n;
  readonly #path = new Int32Array(257);

  /**
   * An empty trie.
   *
   * @param options.capacity - leaves to reserve room for (grows as needed). Default 1024.
   */
  constructor(options: { capacity?: number } = {}) {
    const leaves = Math.max(16, Math.ceil(options.capacity ?? 1024));
    const nodes = Math.ceil(leaves * 2.5) + MAX_NODES_PER_INSERT;
    this.#left = new Int32Array(nodes);
    this.#right = new Int32Array(nodes);
    this.#hashes = new Uint8Array(nodes * 32);
    this.#sums = new Uint32Array(nodes * 4);
    this.#counts = new Uint32Array(nodes);
    this.#dirty = new Uint8Array(nodes);
    this.#keys = new Uint8Array(leaves * 32);
    this.#values = new Uint8Array(leaves * 32);
  }

  /** Number of leaves. */
  get size(): number {
    return this.#leafCount;
  }

  /**
   * Adds a leaf. Hashing is deferred to the next `root()` / `proveDrawn()`.
   *
   * @param key - 32 bytes, hex or Uint8Array (the relay key).
   * @param valueHash - 32 bytes, hex or Uint8Array.
   * @param weight - uint128 (the relay's cost).
   * @throws {TrieDuplicateKeyError} when the key is already present (the trie is left unchanged).
   * @example
   * ```ts
   * trie.insert("0x01…", "0xab…", 42n);
   * ```
   */
  insert(key: Hex | Uint8Array, valueHash: Hex | Uint8Array, weight: bigint): void {
    const leafIndex = this.#leafCount;
    this.#reserveLeaves(leafIndex + 1);
    this.#reserveNodes(this.#nodeCount + MAX_NODES_PER_INSERT);
    const keys = this.#keys;
    const keyOffset = leafIndex * 32;
    if (!bytesInto(key, keys, keyOffset, 32)) throw new TrieInputError({ reason: "key must be 32 bytes" });
    if (!bytesInto(valueHash, this.#values, keyOffset, 32))
      throw new TrieInputError({ reason: "valueHash must be 32 bytes" });
    if (typeof weight !== "bigint" || weight < 0n || weight >= UINT128_LIMIT)
      throw new TrieInputError({ reason: "weight must be a uint128 bigint" });
    const total = this.#total + weight;
    if (total >= UINT128_LIMIT) throw new TrieSumOverflowError({ total });
    if (leafIndex >= 0xffffffff)
      throw new TrieInputError({ reason: "too many leaves (count is stored in 32 bits)" });

    const left = this.#left;
    const right = this.#right;
    const path = this.#path;
    let pathLength = 0;
    let parent = EMPTY;
    let side = 0;
    let node = this.#root;
    let depth = 0;
    while (node !== EMPTY && left[node] !== LEAF) {
      path[pathLength++] = node;
      const bit = ((keys[keyOffset + (depth >>> 3)] as number) >>> (7 - (depth & 7))) & 1;
      parent = node;
      side = bit;
      node = (bit === 1 ? right[node] : left[node]) as number;
      depth++;
    }

    let replacement: number;
    if (node === EMPTY) {
      replacement = this.#newLeaf(leafIndex, weight);
    } else {
      // A leaf occupies the slot: push both down to the first bit where their keys differ.
      const otherOffset = (right[node] as number) * 32;
      let differ = -1;
      for (let byte = depth >>> 3; byte < 32; byte++) {
        const x = (keys[keyOffset + byte] as number) ^ (keys[otherOffset + byte] as number);
        if (x !== 0) {
          differ = byte * 8 + Math.clz32(x) - 24;
          break;
        }
      }
      if (differ < 0) throw new TrieDuplicateKeyError({ key: toHex(keys, keyOffset, 32) });
      const leaf = this.#newLeaf(leafIndex, weight);
      replacement = this.#newInner();
      let current = replacement;
      for (let d = depth; d < differ; d++) {
        const next = this.#newInner();
        if ((((keys[keyOffset + (d >>> 3)] as number) >>> (7 - (d & 7))) & 1) === 1) right[current] = next;
        else left[current] = next;
        current = next;
      }
      if ((((keys[keyOffset + (differ >>> 3)] as number) >>> (7 - (differ & 7))) & 1) === 1) {
        left[current] = node;
        right[current] = leaf;
      } else {
        left[current] = leaf;
        right[current] = node;
      }
    }
    if (parent === EMPTY) this.#root = replacement;
    else if (side === 1) right[parent] = replacement;
    else left[parent] = replacement;
    const dirty = this.#dirty;
    for (let i = 0; i < pathLength; i++) dirty[path[i] as number] = 1;
    this.#total = total;
    this.#leafCount = leafIndex + 1;
  }

  /**
   * The root node `(hash, sum, count)`; Empty for an empty trie.
   *
   * @example
   * ```ts
   * const { hash, sum, count } = trie.root();
   * ```
   */
  root(): TrieNode {
    if (this.#root === EMPTY) return { ...EMPTY_TRIE_NODE };
    this.#compute(this.#root);
    return this.#node(this.#root);
  }

  /**
   * The weighted proof of the leaf that `drawn` selects (protocol.md §6): from the root, at each inner node
   * with children `(L, R)`, go left if `drawn < L.sum` (by count: `L.count`), else subtract it and go right,
   * down to a leaf. That leaf's interval of cumulative weights contains `drawn` (by count: its position is
   * `drawn`), so the draw decides the leaf, not the prover. Side nodes are listed root to leaf, Empty
   * included (use `toCompactProof` for the contract's form).
   *
   * The walk reads sums and counts straight from the node arrays; only the side nodes become hex.
   *
   * @param by - `"sum"` (a leaf is drawn with probability weight / S) or `"count"` (each leaf 1 / N).
   * @param drawn - below the root's sum (by sum) or count (by count), e.g. from `proofDraws`.
   * @throws {TrieEmptyError} when the trie has no leaf.
   * @throws {TrieInputError} when `by` is neither, or `drawn` is not a bigint below the root's sum / count.
   * @example
   * ```ts
   * const { sumDraw, countDraw } = proofDraws({ proofSeed, claimKey, root: trie.root() });
   * const proof = trie.proveDrawn("sum", sumDraw);
   * verifyWeightedProof({ root: trie.root(), by: "sum", drawn: sumDraw, ...proof }).valid; // true
   * ```
   */
  proveDrawn(by: ProofDraw, drawn: bigint): WeightedProof {
    if (by !== "sum" && by !== "count") throw new TrieInputError({ reason: 'by must be "sum" or "count"' });
    if (typeof drawn !== "bigint" || drawn < 0n)
      throw new TrieInputError({ reason: "drawn must be a non-negative bigint" });
    if (this.#root === EMPTY) throw new TrieEmptyError();
    const limit = by === "sum" ? this.#total : BigInt(this.#leafCount);
    if (drawn >= limit)
      throw new TrieInputError({ reason: `drawn (${drawn}) must be below the root's ${by} (${limit})` });
    this.#compute(this.#root);
    const left = this.#left;
    const right = this.#right;
    const counts = this.#counts;
    const sums = this.#sums;
    const sideNodes: TrieNode[] = [];
    // By count the position fits a number (counts are 32-bit); by sum it is kept as four 32-bit words, most
    // significant first like the node sums, so the walk compares and subtracts without bigints.
    const rest = drawWords;
    writeWords(rest, 0, by === "sum" ? drawn : 0n);
    let restCount = by === "count" ? Number(drawn) : 0;
    let node = this.#root;
    while (left[node] !== LEAF) {
      const leftChild = left[node] as number;
      const rightChild = right[node] as number;
      let toRight: boolean;
      if (by === "sum") {
        toRight = leftChild === EMPTY || !wordsBelow(rest, sums, leftChild * 4);
        if (toRight && leftChild !== EMPTY) subtractWords(rest, sums, leftChild * 4);
      } else {
        const leftCount = leftChild === EMPTY ? 0 : (counts[leftChild] as number);
        toRight = restCount >= leftCount;
        if (toRight) restCount -= leftCount;
      }
      const next = toRight ? rightChild : leftChild;
      const sibling = toRight ? leftChild : rightChild;
      // drawn < node's sum (count) at every step, so the chosen child is never Empty.
      if (next === EMPTY)
        throw new TrieInputError({ reason: "internal: the draw walked into an Empty child" });
      sideNodes.push(sibling === EMPTY ? { ...EMPTY_TRIE_NODE } : this.#node(sibling));
      node = next;
    }
    const leafOffset = (right[node] as number) * 32;
    return {
      key: toHex(this.#keys, leafOffset, 32),
      valueHash: toHex(this.#values, leafOffset, 32),
      weight: this.#sum(node),
      sideNodes,
    };
  }

  /**
   * Builds a trie from many leaves at once: sorts the keys, then links and hashes the trie in one recursive
   * pass (no dirty bookkeeping, no rehashing). Prefer {@link buildSumTrie}, which wraps this.
   *
   * @throws {TrieDuplicateKeyError} when two leaves share a key.
   */
  static fromLeaves(leaves: Iterable<TrieLeafInput>): SumTrie {
    const list = Array.isArray(leaves) ? (leaves as readonly TrieLeafInput[]) : [...leaves];
    const count = list.length;
    const trie = new SumTrie({ capacity: count });
    if (count === 0) return trie;
    if (count >= 0xffffffff)
      throw new TrieInputError({ reason: "too many leaves (count is stored in 32 bits)" });
    const keys = trie.#keys;
    const values = trie.#values;
    const weights = new Uint32Array(count * 4);
    let total = 0n;
    for (let i = 0; i < count; i++) {
      const leaf = list[i] as TrieLeafInput;
      if (!bytesInto(leaf.key, keys, i * 32, 32))
        throw new TrieInputError({ reason: `leaf ${i}: key must be 32 bytes` });
      if (!bytesInto(leaf.valueHash, values, i * 32, 32))
        throw new TrieInputError({ reason: `leaf ${i}: valueHash must be 32 bytes` });
      const weight = leaf.weight;
      if (typeof weight !== "bigint" || weight < 0n || weight >= UINT128_LIMIT)
        throw new TrieInputError({ reason: `leaf ${i}: weight must be a uint128 bigint` });
      total += weight;
      writeWords(weights, i * 4, weight);
    }
    if (total >= UINT128_LIMIT) throw new TrieSumOverflowError({ total });
    const order = sortKeys(keys, count);
    for (let i = 1; i < count; i++) {
      if (compareKeys(keys, (order[i - 1] as number) * 32, (order[i] as number) * 32) === 0)
        throw new TrieDuplicateKeyError({ key: toHex(keys, (order[i] as number) * 32, 32) });
    }
    trie.#leafCount = count;
    trie.#total = total;
    trie.#root = trie.#build(order, weights, 0, count, 0);
    trie.#compute(trie.#root);
    return trie;
  }

  #build(order: Uint32Array, weights: Uint32Array, low: number, high: number, depth: number): number {
    if (high - low === 1) {
      const leafIndex = order[low] as number;
      const node = this.#allocate();
      this.#left[node] = LEAF;
      this.#right[node] = leafIndex;
      const sums = this.#sums;
      sums[node * 4] = weights[leafIndex * 4] as number;
      sums[node * 4 + 1] = weights[leafIndex * 4 + 1] as number;
      sums[node * 4 + 2] = weights[leafIndex * 4 + 2] as number;
      sums[node * 4 + 3] = weights[leafIndex * 4 + 3] as number;
      this.#counts[node] = 1;
      this.#dirty[node] = 1;
      return node;
    }
    // Keys in [low, high) share their first `depth` bits and are sorted: find the first with bit `depth` = 1.
    const keys = this.#keys;
    const byte = depth >>> 3;
    const shift = 7 - (depth & 7);
    let first = low;
    let last = high;
    while (first < last) {
      const middle = (first + last) >>> 1;
      if ((((keys[(order[middle] as number) * 32 + byte] as number) >>> shift) & 1) === 1) last = middle;
      else first = middle + 1;
    }
    const node = this.#allocate();
    this.#dirty[node] = 1;
    const leftChild = first > low ? this.#build(order, weights, low, first, depth + 1) : EMPTY;
    const rightChild = first < high ? this.#build(order, weights, first, high, depth + 1) : EMPTY;
    this.#left[node] = leftChild;
    this.#right[node] = rightChild;
    return node;
  }

  /** Rehashes the dirty nodes under `node` (children first), updating sums and counts. */
  #compute(node: number): void {
    const dirty = this.#dirty;
    if (dirty[node] === 0) return;
    const left = this.#left[node] as number;
    const hashes = this.#hashes;
    const sums = this.#sums;
    if (left === LEAF) {
      const leafOffset = (this.#right[node] as number) * 32;
      const keys = this.#keys;
      const values = this.#values;
      for (let i = 0; i < 32; i++) {
        leafScratch[1 + i] = keys[leafOffset + i] as number;
        leafScratch[33 + i] = values[leafOffset + i] as number;
      }
      writeSum(sums, node * 4, leafScratch, 65);
      keccak256BlockInto(leafScratch, LEAF_BYTES, hashes, node * 32);
      dirty[node] = 0;
      return;
    }
    const right = this.#right[node] as number;
    if (left !== EMPTY) this.#compute(left);
    if (right !== EMPTY) this.#compute(right);
    scratch[0] = 1;
    this.#writeChild(left, 1);
    this.#writeChild(right, INNER_RIGHT);
    keccak256BlockInto(scratch, INNER_BYTES, hashes, node * 32);
    const counts = this.#counts;
    counts[node] =
      (left === EMPTY ? 0 : (counts[left] as number)) + (right === EMPTY ? 0 : (counts[right] as number));
    const at = node * 4;
    if (left === EMPTY || right === EMPTY) {
      const only = (left === EMPTY ? right : left) * 4;
      sums[at] = sums[only] as number;
      sums[at + 1] = sums[only + 1] as number;
      sums[at + 2] = sums[only + 2] as number;
      sums[at + 3] = sums[only + 3] as number;
    } else {
      // 128-bit add, least significant word first. The total was checked, so no carry leaves the top word.
      const l = left * 4;
      const r = right * 4;
      let carry = 0;
      for (let word = 3; word >= 0; word--) {
        const value = (sums[l + word] as number) + (sums[r + word] as number) + carry;
        sums[at + word] = value;
        carry = value > 0xffffffff ? 1 : 0;
      }
    }
    dirty[node] = 0;
  }

  #writeChild(child: number, offset: number): void {
    if (child === EMPTY) {
      scratch.fill(0, offset, offset + 56);
      return;
    }
    const hashes = this.#hashes;
    const from = child * 32;
    for (let i = 0; i < 32; i++) scratch[offset + i] = hashes[from + i] as number;
    writeSum(this.#sums, child * 4, scratch, offset + 32);
    const count = this.#counts[child] as number;
    scratch[offset + 48] = 0;
    scratch[offset + 49] = 0;
    scratch[offset + 50] = 0;
    scratch[offset + 51] = 0;
    scratch[offset + 52] = count >>> 24;
    scratch[offset + 53] = (count >>> 16) & 0xff;
    scratch[offset + 54] = (count >>> 8) & 0xff;
    scratch[offset + 55] = count & 0xff;
  }

  #node(node: number): TrieNode {
    return {
      hash: toHex(this.#hashes, node * 32, 32),
      sum: this.#sum(node),
      count: BigInt(this.#counts[node] as number),
    };
  }

  #sum(node: number): bigint {
    const sums = this.#sums;
    const at = node * 4;
    return (
      (BigInt(sums[at] as number) << 96n) |
      (BigInt(sums[at + 1] as number) << 64n) |
      (BigInt(sums[at + 2] as number) << 32n) |
      BigInt(sums[at + 3] as number)
    );
  }

  #newLeaf(leafIndex: number, weight: bigint): number {
    const node = this.#allocate();
    this.#left[node] = LEAF;
    this.#right[node] = leafIndex;
    writeWords(this.#sums, node * 4, weight);
    this.#counts[node] = 1;
    this.#dirty[node] = 1;
    return node;
  }

  #newInner(): number {
    const node = this.#allocate();
    this.#left[node] = EMPTY;
    this.#right[node] = EMPTY;
    this.#dirty[node] = 1;
    return node;
  }

  #allocate(): number {
    if (this.#nodeCount === this.#left.length) this.#reserveNodes(this.#nodeCount + 1);
    return this.#nodeCount++;
  }

  #reserveNodes(needed: number): void {
    if (needed <= this.#left.length) return;
    const capacity = Math.max(needed, Math.ceil(this.#left.length * 1.5));
    this.#left = grow(this.#left, capacity);
    this.#right = grow(this.#right, capacity);
    this.#hashes = grow(this.#hashes, capacity * 32);
    this.#sums = grow(this.#sums, capacity * 4);
    this.#counts = grow(this.#counts, capacity);
    this.#dirty = grow(this.#dirty, capacity);
  }

  #reserveLeaves(needed: number): void {
    if (needed * 32 <= this.#keys.length) return;
    const capacity = Math.max(needed, Math.ceil((this.#keys.length / 32) * 1.5));
    this.#keys = grow(this.#keys, capacity * 32);
    this.#values = grow(this.#values, capacity * 32);
  }
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}

/** Splits a uint128 into four 32-bit words, most significant first. */
function writeWords(words: Uint32Array, offset: number, value: bigint): void {
  words[offset] = Number(value >> 96n);
  words[offset + 1] = Number((value >> 64n) & 0xffffffffn);
  words[offset + 2] = Number((value >> 32n) & 0xffffffffn);
  words[offset + 3] = Number(value & 0xffffffffn);
}

/** Whether the four words `a` are below the four words of `words` at `at` (both most significant first). */
function wordsBelow(a: Uint32Array, words: Uint32Array, at: number): boolean {
  for (let word = 0; word < 4; word++) {
    const x = a[word] as number;
    const y = words[at + word] as number;
    if (x !== y) return x < y;
  }
  return false;
}

/** `a -= words[at ..]` on four words (most significant first); the caller ensures no underflow. */
function subtractWords(a: Uint32Array, words: Uint32Array, at: number): void {
  let borrow = 0;
  for (let word = 3; word >= 0; word--) {
    let value = (a[word] as number) - (words[at + word] as number) - borrow;
    borrow = value < 0 ? 1 : 0;
    if (value < 0) value += 0x1_0000_0000;
    a[word] = value;
  }
}

/** Writes a node's sum (four words) as 16 big-endian bytes. */
function writeSum(sums: Uint32Array, at: number, out: Uint8Array, offset: number): void {
  for (let word = 0; word < 4; word++) {
    const value = sums[at + word] as number;
    const to = offset + word * 4;
    out[to] = value >>> 24;
    out[to + 1] = (value >>> 16) & 0xff;
    out[to + 2] = (value >>> 8) & 0xff;
    out[to + 3] = value & 0xff;
  }
}

function compareKeys(keys: Uint8Array, a: number, b: number): number {
  for (let i = 0; i < 32; i++) {
    const difference = (keys[a + i] as number) - (keys[b + i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Leaf indices ordered by key. Packs the key's top bits and the index into one exact float (53 bits) so the
 * bulk of the work is a native numeric sort; runs of equal prefixes are then fixed with a full comparison.
 */
function sortKeys(keys: Uint8Array, count: number): Uint32Array {
  const indexBits = Math.max(1, Math.ceil(Math.log2(count)));
  const indexScale = 2 ** indexBits;
  const prefixBits = 53 - indexBits;
  const packed = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * 32;
    const high =
      (((keys[at] as number) << 24) |
        ((keys[at + 1] as number) << 16) |
        ((keys[at + 2] as number) << 8) |
        (keys[at + 3] as number)) >>>
      0;
    const low =
      (((keys[at + 4] as number) << 24) |
        ((keys[at + 5] as number) << 16) |
        ((keys[at + 6] as number) << 8) |
        (keys[at + 7] as number)) >>>
      0;
    const prefix =
      prefixBits <= 32
        ? Math.floor(high / 2 ** (32 - prefixBits))
        : high * 2 ** (prefixBits - 32) + Math.floor(low / 2 ** (64 - prefixBits));
    packed[i] = prefix * indexScale + i;
  }
  packed.sort();
  const order = new Uint32Array(count);
  const prefixes = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const value = packed[i] as number;
    const prefix = Math.floor(value / indexScale);
    prefixes[i] = prefix;
    order[i] = value - prefix * indexScale;
  }
  // Equal prefixes: order the run by the full key.
  let start = 0;
  while (start < count) {
    let end = start + 1;
    while (end < count && prefixes[end] === prefixes[start]) end++;
    if (end - start > 1) {
      const run = Array.from(order.subarray(start, end));
      run.sort((a, b) => compareKeys(keys, a * 32, b * 32));
      order.set(run, start);
    }
    start = end;
  }
  return order;
}
