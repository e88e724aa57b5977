// npm run bench:trie — the sum trie (TypeScript) and the settlement gas (anvil, real contracts).
//
// Part 1: tries of 1k / 100k / 1M random leaves: inserts/s (incremental), bulk build leaves/s, weighted proofs/s
// (`proveDrawn`, half drawn by sum, half by count), proof depth and the side nodes' calldata size.
// Part 2: on anvil, a claim over a trie of 1k / 100k / 1M leaves, the proof of its two drawn leaves (one by sum,
// one by count, sent with the SDK's `prove`), the settlement; gas of each, and gas per served relay against one
// ERC-20 transfer per relay.
//
// Honest shortcut, printed with the results: signing a million relays takes minutes, so each trie holds 1,000
// real signed relays and N − 1,000 random filler leaves. The contract checks the signatures of both drawn
// leaves, so both must be real relays: (1) the filler leaves weigh 1–1,000 wei while each real relay weighs
// 1.1·10^12 wei, so the draw by sum lands on a real relay all but surely; (2) the draw by count is uniform
// over the leaves (a real relay with probability 1,000 / N), so the bench searches the timestamp of the
// proof-seed block (anvil snapshot and revert) until both drawn leaves are real, distinct relays. The trie, its
// root, the depths and the proofs are exactly those of an N-leaf claim; only the filler leaves' weights (which
// no gas figure depends on) are unlike real traffic.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  aviaryTokenAbi,
  buildSumTrie,
  type CompactWeightedProof,
  proveClaim,
  relayCost,
  relayValueHash,
  type SignedRelay,
  SumTrie,
  sessionWindows,
} from "@aviary/protocol";
import { type AviaryWriteClients, claim, prove, settle } from "@aviary/sdk";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  devnetSessionParams,
  relayKeyOf,
  setUpNetwork,
  signRelay,
  testModelId,
} from "@aviary/testkit";
import { createWalletClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startDevnet, token } from "../src/index.ts";

const sizes = (process.env.BENCH_TRIE_SIZES ?? "1000,100000,1000000").split(",").map(Number);
const realRelays = 1000;
const sessionParams = devnetSessionParams;
const maxSeedSearches = 100_000;

const format = (value: number) => Math.round(value).toLocaleString("en-US");
const seconds = (start: number) => (performance.now() - start) / 1000;
const randomUint256 = () => BigInt(`0x${randomBytes(32).toString("hex")}`);
const popcount = (value: bigint) => value.toString(2).replaceAll("0", "").length;

function randomLeaves(count: number, weight: () => bigint) {
  return Array.from({ length: count }, () => ({
    key: randomBytes(32) as Uint8Array,
    valueHash: randomBytes(32) as Uint8Array,
    weight: weight(),
  }));
}

/** ABI calldata bytes of one proof's `sideNodes` and `emptyMask` (3 words a node, offset and length words, mask). */
function sideNodeCalldataBytes(nonEmptySideNodes: number): number {
  return 32 * 3 * nonEmptySideNodes + 32 * 2 + 32;
}

async function trieFigures(): Promise<void> {
  console.log("\n## Sum trie (TypeScript, one core)\n");
  console.log(
    "| leaves | insert/s (incremental) | bulk build leaves/s | weighted proofs/s (proveDrawn) | mean depth | max depth | side-node calldata per proof (bytes) | memory (MiB) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const size of sizes) {
    const leaves = randomLeaves(size, () => BigInt(1 + Math.floor(Math.random() * 1_000_000)) * 10n ** 9n);
    global.gc?.();
    // The trie keeps its nodes in typed arrays, outside the JS heap: count both.
    const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const heapBefore = memory();
    let start = performance.now();
    const trie = new SumTrie();
    for (const leaf of leaves) trie.insert(leaf.key, leaf.valueHash, leaf.weight);
    const root = trie.root();
    const insertRate = size / seconds(start);
    global.gc?.();
    const heap = global.gc ? (memory() - heapBefore) / 2 ** 20 : Number.NaN;

    start = performance.now();
    buildSumTrie(leaves).root();
    const bulkRate = size / seconds(start);

    const proofs = 5000;
    const draws = Array.from({ length: proofs }, (_, index) =>
      index % 2 === 0 ? randomUint256() % root.sum : randomUint256() % root.count,
    );
    let depthSum = 0;
    let depthMax = 0;
    let nonEmptySum = 0;
    start = performance.now();
    for (let index = 0; index < proofs; index += 1) {
      const proof = trie.proveDrawn(index % 2 === 0 ? "sum" : "count", draws[index] ?? 0n);
      depthSum += proof.sideNodes.length;
      depthMax = Math.max(depthMax, proof.sideNodes.length);
      nonEmptySum += proof.sideNodes.filter((node) => node.count !== 0n).length;
    }
    const proofRate = proofs / seconds(start);
    console.log(
      `| ${format(size)} | ${format(insertRate)} | ${format(bulkRate)} | ${format(proofRate)} | ${(depthSum / proofs).toFixed(1)} | ${depthMax} | ${format(sideNodeCalldataBytes(nonEmptySum / proofs))} | ${heap.toFixed(0)} |`,
    );
  }
}

type GasRow = {
  size: number;
  depths: [number, number];
  claim: bigint;
  prove: bigint;
  proveCalldata: number;
  settle: bigint;
  searches: number;
};

function writer(c: Clients, rpcUrl: string, from: Actor): AviaryWriteClients {
  return {
    publicClient: c.publicClient as unknown as PublicClient,
    walletClient: createWalletClient({
      account: privateKeyToAccount(from.privateKey),
      chain: c.chain,
      transport: http(rpcUrl),
    }),
  };
}

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
          abi: aviaryTokenAbi,
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
      const filler = randomLeaves(size - leaves.length, () => BigInt(1 + Math.floor(Math.random() * 1000)));
      const trie = buildSumTrie([...leaves, ...filler]);
      filler.length = 0;
      const root = trie.root();

      const windows = sessionWindows(session, sessionParams);
      await c.mineTo(windows.claimStart - 1n);
      const claimed = await claim(writer(c, devnet.rpcUrl, operator), {
        settlement: c.contracts.settlement,
        supplier: owner.address,
        application: application.address,
        model: testModelId,
        session,
        root,
      });

      // Search the proof-seed block's timestamp until both drawn leaves are real, distinct relays.
      await c.mineTo(windows.proofSeedBlock - 1n);
      const parent = await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock - 1n });
      let searches = 0;
      let proofs: CompactWeightedProof[] | undefined;
      while (!proofs) {
        searches += 1;
        if (searches > maxSeedSearches)
          throw new Error(`no proof seed drew two real relays in ${maxSeedSearches} tries`);
        const snapshot = await c.testClient.snapshot();
        await c.testClient.setNextBlockTimestamp({ timestamp: parent.timestamp + BigInt(searches) });
        await c.testClient.mine({ blocks: 1 });
        const seedBlock = await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock });
        const candidate = proveClaim(trie, { proofSeed: seedBlock.hash as Hex, claimKey: claimed.claimKey });
        if (candidate.length === 2 && candidate.every((proof) => real.has(proof.key))) proofs = candidate;
        else await c.testClient.revert({ id: snapshot });
      }
      await c.mineTo(windows.proofStart - 1n);
      const proven = await prove(writer(c, devnet.rpcUrl, operator), {
        settlement: c.contracts.settlement,
        claimKey: claimed.claimKey,
        proofs: proofs.map((proof) => {
          const leaf = real.get(proof.key);
          if (!leaf) throw new Error("unreachable: a drawn leaf is not a real relay");
          return { leaf, sideNodes: proof.sideNodes, emptyMask: proof.emptyMask };
        }),
      });
      const proveTransaction = await c.publicClient.getTransaction({ hash: proven.hash });
      await c.mineTo(windows.settleFrom - 1n);
      const settled = await settle(writer(c, devnet.rpcUrl, application), {
        settlement: c.contracts.settlement,
        claimKey: claimed.claimKey,
      });
      const depthOf = (proof: CompactWeightedProof | undefined) =>
        proof ? proof.sideNodes.length + popcount(proof.emptyMask) : 0;
      rows.push({
        size,
        depths: [depthOf(proofs[0]), depthOf(proofs[1])],
        claim: claimed.receipt.gasUsed,
        prove: proven.receipt.gasUsed,
        proveCalldata: (proveTransaction.input.length - 2) / 2,
        settle: settled.receipt.gasUsed,
        searches,
      });
    } finally {
      await devnet.stop();
    }
  }

  console.log(
    `ERC-20 transfer transaction (the baseline: paying one relay on-chain): ${format(Number(transferGas))} gas\n`,
  );
  console.log(
    "| leaves in the claim | proof depths (sum, count) | claim gas | prove gas (two leaves) | prove calldata (bytes) | settle gas | total | gas per relay | one transfer per relay / Aviary | seed searches |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) {
    const total = Number(row.claim + row.prove + row.settle);
    const perRelay = total / row.size;
    console.log(
      `| ${format(row.size)} | ${row.depths.join(", ")} | ${format(Number(row.claim))} | ${format(Number(row.prove))} | ${format(row.proveCalldata)} | ${format(Number(row.settle))} | ${format(total)} | ${perRelay.toFixed(3)} | ${format(Number(transferGas) / perRelay)}x | ${row.searches} |`,
    );
  }
  const largest = rows.at(-1);
  if (largest) {
    const total = Number(largest.claim + largest.prove + largest.settle);
    console.log(
      `\nSession of ${format(largest.size)} relays, one claim + one proof (two leaves) + one settlement: ${format(total)} gas = ${(total / largest.size).toFixed(3)} gas per relay, ${format(Number(transferGas) / (total / largest.size))}x less than one ERC-20 transfer per relay.`,
    );
  }
  console.log(
    `\nShortcut taken: each trie holds ${format(realRelays)} real signed relays (1.1e12 wei each) and N − ${format(realRelays)} random filler leaves of 1–1,000 wei,` +
      " so the draw by sum lands on a real relay; the draw by count is uniform over leaves, so the proof-seed block's timestamp" +
      ' was searched (anvil snapshot/revert; "seed searches" above) until both drawn leaves were distinct real relays.' +
      " Roots, depths and proofs are those of an N-leaf trie; the prove is always sent and measured (below the proof" +
      " threshold it is required for only 25% of claims; at or above it, always).",
  );
}

console.log("# bench:trie");
console.log(`node ${process.version}, ${process.arch}; sizes ${sizes.join(", ")}`);
await trieFigures();
await gasFigures();
