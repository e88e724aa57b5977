// npm run bench:trie — the sum trie (TypeScript) and the settlement gas (anvil, real contracts).
//
// Part 1: tries of 1k / 100k / 1M random leaves: inserts/s (incremental), bulk build leaves/s, closest
// proofs/s, proof depth and calldata size.
// Part 2: on anvil, a claim over a trie of 1k / 100k / 1M leaves, the proof of its closest leaf, the
// settlement; gas of each, and gas per served relay for a 1M-relay session against one ERC-20 transfer per relay.
//
// Honest shortcut, printed with the results: signing a million relays takes minutes, so each trie holds
// 1,000 real signed relays and N − 1,000 random leaves. The proof must open a real relay (the contract
// checks its signatures), so the bench searches the timestamp of the proof-seed block (anvil snapshot and
// revert) until the closest leaf to the target is a real relay. The trie, its root, the depth and the proof
// are exactly those of an N-leaf claim.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildSumTrie,
  claimKey as computeClaimKey,
  proofTarget,
  relayCost,
  relayValueHash,
  type SignedRelay,
  SumTrie,
  sessionWindows,
  toCompactProof,
} from "@aviary/protocol";
import type { Hex } from "viem";
import { startDevnet, token } from "../src/index.ts";
import {
  actor,
  clients,
  relayKeyOf,
  settlement,
  setUpNetwork,
  signRelay,
  testModelId,
} from "../test/utils/scenario.ts";

const sizes = (process.env.BENCH_TRIE_SIZES ?? "1000,100000,1000000").split(",").map(Number);
const realRelays = 1000;
const sessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };

const format = (value: number) => Math.round(value).toLocaleString("en-US");
const seconds = (start: number) => (performance.now() - start) / 1000;

function randomLeaves(count: number) {
  return Array.from({ length: count }, () => ({
    key: randomBytes(32) as Uint8Array,
    valueHash: randomBytes(32) as Uint8Array,
    weight: BigInt(1 + Math.floor(Math.random() * 1_000_000)) * 10n ** 9n,
  }));
}

/** ABI calldata bytes of the `sideNodes` and `emptyMask` arguments (3 words per node, array head, mask). */
function proofCalldataBytes(nonEmptySideNodes: number): number {
  return 32 * 3 * nonEmptySideNodes + 32 * 2 + 32;
}

async function trieFigures(): Promise<void> {
  console.log("\n## Sum trie (TypeScript, one core)\n");
  console.log(
    "| leaves | insert/s (incremental) | bulk build leaves/s | closest proofs/s | mean depth | max depth | proof calldata (bytes) | memory (MiB) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const size of sizes) {
    const leaves = randomLeaves(size);
    global.gc?.();
    // The trie keeps its nodes in typed arrays, outside the JS heap: count both.
    const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const heapBefore = memory();
    let start = performance.now();
    const trie = new SumTrie();
    for (const leaf of leaves) trie.insert(leaf.key, leaf.valueHash, leaf.weight);
    trie.root();
    const insertRate = size / seconds(start);
    global.gc?.();
    const heap = global.gc ? (memory() - heapBefore) / 2 ** 20 : Number.NaN;

    start = performance.now();
    buildSumTrie(leaves).root();
    const bulkRate = size / seconds(start);

    const proofs = 5000;
    let depthSum = 0;
    let depthMax = 0;
    let nonEmptySum = 0;
    start = performance.now();
    for (let index = 0; index < proofs; index += 1) {
      const proof = trie.proveClosest(randomBytes(32));
      depthSum += proof.sideNodes.length;
      depthMax = Math.max(depthMax, proof.sideNodes.length);
      nonEmptySum += proof.sideNodes.filter((node) => node.count !== 0n).length;
    }
    const proofRate = proofs / seconds(start);
    console.log(
      `| ${format(size)} | ${format(insertRate)} | ${format(bulkRate)} | ${format(proofRate)} | ${(depthSum / proofs).toFixed(1)} | ${depthMax} | ${format(proofCalldataBytes(nonEmptySum / proofs))} | ${heap.toFixed(0)} |`,
    );
  }
}

type GasRow = { size: number; depth: number; claim: bigint; prove: bigint; settle: bigint; tries: number };

async function gasFigures(): Promise<void> {
  console.log("\n## Settlement gas (anvil, cancun, real contracts)\n");
  const rows: GasRow[] = [];
  let transferGas = 0n;
  for (const size of sizes) {
    const devnet = await startDevnet({ home: mkdtempSync(join(tmpdir(), "aviary-bench-")), persist: false });
    try {
      const c = clients(devnet);
      const owner = actor(devnet, "supplier-1");
      const operator = actor(devnet, "spare-1");
      const application = actor(devnet, "application");
      const supplier = { owner, operator, inputPrice: 10n ** 9n, outputPrice: 3n * 10n ** 9n };
      const { session } = await setUpNetwork(c, {
        source: actor(devnet, "model-source"),
        sourceShareBps: 1000,
        suppliers: [supplier],
        applications: [{ actor: application, stake: token(100_000) }],
      });

      if (transferGas === 0n) {
        const receipt = await c.send(application, {
          address: c.contracts.token,
          abi: (await import("@aviary/protocol")).aviaryTokenAbi,
          functionName: "transfer",
          args: [owner.address, 1n],
        });
        transferGas = receipt.gasUsed;
      }

      const real = new Map<string, SignedRelay>();
      const leaves = [];
      for (let index = 0; index < Math.min(realRelays, size); index += 1) {
        const relay = await signRelay(
          c,
          {
            application: application.address,
            supplier: owner.address,
            model: testModelId,
            session,
            nonce: BigInt(index),
            bodyHash: `0x${(index + 1).toString(16).padStart(64, "0")}` as Hex,
            inputPrice: supplier.inputPrice,
            outputPrice: supplier.outputPrice,
            maxCost: 10n ** 18n,
          },
          application,
          operator,
          { inputUnits: 200n, outputUnits: 300n },
        );
        const key = relayKeyOf(c, relay);
        real.set(key, relay);
        leaves.push({ key, valueHash: relayValueHash(relay), weight: relayCost(relay) });
      }
      const trie = buildSumTrie([...leaves, ...randomLeaves(size - leaves.length)]);
      const root = trie.root();

      const windows = sessionWindows(session, sessionParams);
      await c.mineTo(windows.claimStart - 1n);
      const claimReceipt = await c.send(operator, {
        ...settlement(c),
        functionName: "claim",
        args: [owner.address, application.address, testModelId, session, root],
      });
      const key = computeClaimKey({
        supplier: owner.address,
        application: application.address,
        model: testModelId,
        session,
      });

      // Search the proof-seed block's timestamp until the closest leaf is one of the real relays.
      await c.mineTo(windows.proofSeedBlock - 1n);
      const parent = await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock - 1n });
      let tries = 0;
      let proof: ReturnType<typeof toCompactProof> | undefined;
      for (;;) {
        tries += 1;
        const snapshot = await c.testClient.snapshot();
        await c.testClient.setNextBlockTimestamp({ timestamp: parent.timestamp + BigInt(tries) });
        await c.testClient.mine({ blocks: 1 });
        const seedBlock = await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock });
        const candidate = toCompactProof(
          trie.proveClosest(proofTarget({ proofSeed: seedBlock.hash as Hex, claimKey: key })),
        );
        if (real.has(candidate.key)) {
          proof = candidate;
          break;
        }
        await c.testClient.revert({ id: snapshot });
      }
      const relay = real.get(proof.key);
      if (!relay) throw new Error("unreachable");
      await c.mineTo(windows.proofStart - 1n);
      const proveReceipt = await c.send(operator, {
        ...settlement(c),
        functionName: "prove",
        args: [key, relay, proof.sideNodes, proof.emptyMask],
      });
      await c.mineTo(windows.settleFrom - 1n);
      const settleReceipt = await c.send(application, {
        ...settlement(c),
        functionName: "settle",
        args: [key],
      });
      const depth = proof.sideNodes.length + proof.emptyMask.toString(2).replaceAll("0", "").length;
      rows.push({
        size,
        depth,
        claim: claimReceipt.gasUsed,
        prove: proveReceipt.gasUsed,
        settle: settleReceipt.gasUsed,
        tries,
      });
    } finally {
      await devnet.stop();
    }
  }

  console.log(
    "| leaves in the claim | proof depth | claim gas | prove gas | settle gas | total | seed searches |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) {
    const total = row.claim + row.prove + row.settle;
    console.log(
      `| ${format(row.size)} | ${row.depth} | ${format(Number(row.claim))} | ${format(Number(row.prove))} | ${format(Number(row.settle))} | ${format(Number(total))} | ${row.tries} |`,
    );
  }
  const largest = rows.at(-1);
  if (largest) {
    const total = Number(largest.claim + largest.prove + largest.settle);
    const perRelay = total / largest.size;
    console.log(
      `\nERC-20 transfer transaction (the baseline: paying one relay on-chain): ${format(Number(transferGas))} gas`,
    );
    console.log(
      `Session of ${format(largest.size)} relays, one claim + one proof + one settlement: ${format(total)} gas = ${perRelay.toFixed(3)} gas per relay`,
    );
    console.log(
      `Ratio (one transfer per relay / Aviary per relay): ${format(Number(transferGas) / perRelay)}x less gas with relay mining`,
    );
  }
}

console.log("# bench:trie");
console.log(`node ${process.version}, ${process.arch}; sizes ${sizes.join(", ")}`);
await trieFigures();
await gasFigures();
