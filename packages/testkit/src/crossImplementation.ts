// Helpers of the cross-implementation tests: a seeded PRNG, an independent (viem-only) reference sum trie and
// weighted prover, the contract's verifier and signature recovery as calls, batching and a CLI runner.
import { spawn } from "node:child_process";
import { aviarySettlementAbi, seededRandom } from "@aviary/protocol";
import { type Address, encodePacked, type Hex, keccak256, type PublicClient } from "viem";

/** What the tests need of a trie node and a compact proof (structurally the library's types). */
export type Node = { hash: Hex; sum: bigint; count: bigint };
export type Leaf = { key: Hex; valueHash: Hex; weight: bigint };
export type CompactProof = Leaf & { sideNodes: Node[]; emptyMask: bigint };

export const UINT128_MAX = (1n << 128n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;
export const ZERO32: Hex = `0x${"00".repeat(32)}`;
export const EMPTY: Node = Object.freeze({ hash: ZERO32, sum: 0n, count: 0n }) as Node;

// ───────────────────────────── seeded PRNG ─────────────────────────────

/** A small deterministic generator (mulberry32), so every failure reproduces from its seed. */
export class Rng {
  readonly #random: () => number;
  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }
  /** A uniform uint32. */
  next(): number {
    return this.#random() * 0x1_0000_0000;
  }
  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }
  /** A uniform bigint in [0, 2^bits). */
  bits(bits: number): bigint {
    let value = 0n;
    for (let filled = 0; filled < bits; filled += 32) value = (value << 32n) | BigInt(this.next());
    const extra = (Math.ceil(bits / 32) * 32 - bits) | 0;
    return value >> BigInt(extra);
  }
  /** A uniform bigint in [0, limit). limit > 0. */
  below(limit: bigint): bigint {
    const bitLength = limit.toString(2).length;
    for (;;) {
      const value = this.bits(bitLength);
      if (value < limit) return value;
    }
  }
  hex(bytes: number): Hex {
    let text = "0x";
    for (let i = 0; i < bytes; i++) text += (this.next() & 0xff).toString(16).padStart(2, "0");
    return text as Hex;
  }
  bytes32(): Hex {
    return this.hex(32);
  }
  address(): Address {
    return this.hex(20) as Address;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)] as T;
  }
}

/** Flips bit `bit` (0 = most significant) of a 32-byte hex value. */
export function flipBit(value: Hex, bit: number): Hex {
  const flipped = BigInt(value) ^ (1n << BigInt(255 - bit));
  return `0x${flipped.toString(16).padStart(64, "0")}` as Hex;
}

/** Bit `depth` (0 = most significant) of a 32-byte hex value. */
export function bitAt(value: Hex, depth: number): number {
  return Number((BigInt(value) >> BigInt(255 - depth)) & 1n);
}

// ───────────────────────────── reference trie (viem only) ─────────────────────────────

/** protocol.md §6 leaf, hashed with viem's encodePacked + keccak256 (independent of the library's byte code). */
export function referenceLeaf(leaf: Leaf): Node {
  return {
    hash: keccak256(
      encodePacked(
        ["bytes1", "bytes32", "bytes32", "uint128"],
        ["0x00", leaf.key, leaf.valueHash, leaf.weight],
      ),
    ),
    sum: leaf.weight,
    count: 1n,
  };
}

/** protocol.md §6 inner node, hashed with viem. */
export function referenceInner(left: Node, right: Node): Node {
  return {
    hash: keccak256(
      encodePacked(
        ["bytes1", "bytes32", "uint128", "uint64", "bytes32", "uint128", "uint64"],
        ["0x01", left.hash, left.sum, left.count, right.hash, right.sum, right.count],
      ),
    ),
    sum: left.sum + right.sum,
    count: left.count + right.count,
  };
}

/** The node over `leaves` (all sharing their first `depth` bits), straight from the definition in §6. */
export function referenceNode(leaves: readonly Leaf[], depth = 0): Node {
  if (leaves.length === 0) return { ...EMPTY };
  if (leaves.length === 1) return referenceLeaf(leaves[0] as Leaf);
  if (depth >= 256) throw new Error("duplicate keys in the reference trie");
  const left = leaves.filter((leaf) => bitAt(leaf.key, depth) === 0);
  const right = leaves.filter((leaf) => bitAt(leaf.key, depth) === 1);
  return referenceInner(referenceNode(left, depth + 1), referenceNode(right, depth + 1));
}

/** The sum (by "sum") or count (by "count") of a node. */
export function weightOf(node: Node, by: "sum" | "count"): bigint {
  return by === "sum" ? node.sum : node.count;
}

/** Subtree nodes of the reference prover, per leaf list (a subtree is named by its depth and any key in it). */
const subtreeCache = new WeakMap<readonly Leaf[], Map<string, Node>>();

/**
 * The leaf `drawn` selects, with its full side nodes, straight from §6: at each inner node with children
 * (L, R), go left if drawn < L.sum (L.count), else subtract it and go right. Subtrees are hashed from the
 * leaves by `referenceNode` (cached per leaf list, so many draws on one trie stay cheap).
 */
export function referenceProveDrawn(
  leaves: readonly Leaf[],
  by: "sum" | "count",
  drawn: bigint,
): Leaf & { sideNodes: Node[] } {
  const cache = subtreeCache.get(leaves) ?? new Map<string, Node>();
  subtreeCache.set(leaves, cache);
  const nodeOf = (set: readonly Leaf[], depth: number): Node => {
    if (set.length === 0) return { ...EMPTY };
    const id = `${depth}:${(set[0] as Leaf).key}`;
    const cached = cache.get(id);
    if (cached) return cached;
    const node = referenceNode(set, depth);
    cache.set(id, node);
    return node;
  };
  let set = leaves;
  let rest = drawn;
  const sideNodes: Node[] = [];
  let depth = 0;
  while (set.length > 1) {
    const left = set.filter((leaf) => bitAt(leaf.key, depth) === 0);
    const right = set.filter((leaf) => bitAt(leaf.key, depth) === 1);
    const leftNode = nodeOf(left, depth + 1);
    const rightNode = nodeOf(right, depth + 1);
    if (rest < weightOf(leftNode, by)) {
      sideNodes.push(rightNode);
      set = left;
    } else {
      rest -= weightOf(leftNode, by);
      sideNodes.push(leftNode);
      set = right;
    }
    depth++;
  }
  const leaf = set[0];
  if (!leaf) throw new Error("the draw walked into an empty subtree");
  if (rest >= (by === "sum" ? leaf.weight : 1n)) throw new Error("drawn is not below the total");
  return { key: leaf.key, valueHash: leaf.valueHash, weight: leaf.weight, sideNodes };
}

// ───────────────────────────── contract calls ─────────────────────────────

/** The contract's `ProofVerdict`: 0 Valid, 1 InvalidDepth, 2 RootMismatch, 3 NotDrawn. */
export type VerdictCode = 0 | 1 | 2 | 3;

/** The library verdict as the contract's `ProofVerdict` code; -1 for "malformed" (no ABI form exists). */
export function verdictCode(verdict: { valid: boolean; reason?: string }): VerdictCode | -1 {
  if (verdict.valid) return 0;
  switch (verdict.reason) {
    case "depth":
      return 1;
    case "root-mismatch":
      return 2;
    case "not-drawn":
      return 3;
    default:
      return -1;
  }
}

/**
 * Calls `checkWeightedProof` (eth_call). It is pure and never reverts for ABI-encodable input, so any error
 * (RPC, encoding, a revert) is rethrown: a broken harness never looks like a rejected proof.
 */
export async function contractCheck(
  client: PublicClient,
  settlement: Address,
  root: Node,
  by: "sum" | "count",
  drawn: bigint,
  proof: CompactProof,
): Promise<VerdictCode> {
  const verdict = await client.readContract({
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: "checkWeightedProof",
    args: [
      root,
      by === "sum" ? 0 : 1,
      drawn,
      proof.key,
      proof.valueHash,
      proof.weight,
      proof.sideNodes,
      proof.emptyMask,
    ],
  });
  if (verdict > 3) throw new Error(`checkWeightedProof returned ${verdict}`);
  return verdict as VerdictCode;
}

/**
 * Calls `recoverSigner(digest, signature)` (eth_call): the contract's one signature rule. The zero address
 * means "invalid"; reverts are rethrown (the function is pure and must never revert).
 */
export async function contractRecover(
  client: PublicClient,
  settlement: Address,
  digest: Hex,
  signature: Hex,
): Promise<Address> {
  return client.readContract({
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: "recoverSigner",
    args: [digest, signature],
  });
}

/** Runs `run` over `items`, `size` at a time (each chunk is one JSON-RPC batch with a batching transport). */
export async function inChunks<T, R>(
  items: readonly T[],
  size: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    const chunk = items.slice(start, start + size);
    results.push(...(await Promise.all(chunk.map((item, offset) => run(item, start + offset)))));
  }
  return results;
}

// ───────────────────────────── CLI ─────────────────────────────

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs `node packages/cli/bin/aviary.js …args` in `cwd` with `stdin` piped in. */
export function runCli(
  cwd: string,
  args: readonly string[],
  stdin: string,
  timeoutMs = 30_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["packages/cli/bin/aviary.js", ...args], {
      cwd,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`aviary ${args.join(" ")} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => {}); // the CLI may exit before reading all of stdin
    child.stdin.end(stdin);
  });
}
