// Helpers of crossImplementation.test.ts: a seeded PRNG, an independent (viem-only) reference sum trie, the
// contract's verifier as a tri-state call, batching and a CLI runner.
import { spawn } from "node:child_process";
import { aviarySettlementAbi } from "@aviary/protocol";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  encodePacked,
  type Hex,
  keccak256,
  type PublicClient,
} from "viem";

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
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A uniform uint32. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
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

/** The closest proof for `target`, straight from §6 (full form: one side node per depth, root to leaf). */
export function referenceProve(leaves: readonly Leaf[], target: Hex): Leaf & { sideNodes: Node[] } {
  let set = leaves;
  const sideNodes: Node[] = [];
  let depth = 0;
  while (set.length > 1) {
    const left = set.filter((leaf) => bitAt(leaf.key, depth) === 0);
    const right = set.filter((leaf) => bitAt(leaf.key, depth) === 1);
    let [next, other] = bitAt(target, depth) === 1 ? [right, left] : [left, right];
    if (next.length === 0) [next, other] = [other, next];
    sideNodes.push(referenceNode(other, depth + 1));
    set = next;
    depth++;
  }
  const leaf = set[0];
  if (!leaf) throw new Error("empty reference trie");
  return { key: leaf.key, valueHash: leaf.valueHash, weight: leaf.weight, sideNodes };
}

// ───────────────────────────── contract calls ─────────────────────────────

/** The contract verifier's answer: its boolean, or "revert" (with the revert's message). */
export type ContractVerdict = boolean | "revert";

/**
 * Calls `verifyClosestProof` (eth_call). A revert is an answer ("revert"); any other failure (RPC, encoding)
 * is rethrown, so a broken test harness never looks like a rejected proof.
 */
export async function contractVerify(
  client: PublicClient,
  settlement: Address,
  root: Node,
  target: Hex,
  proof: CompactProof,
): Promise<ContractVerdict> {
  try {
    return await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "verifyClosestProof",
      args: [root, target, proof.key, proof.valueHash, proof.weight, proof.sideNodes, proof.emptyMask],
    });
  } catch (error) {
    if (error instanceof BaseError && error.walk((cause) => cause instanceof ContractFunctionRevertedError))
      return "revert";
    throw error;
  }
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
