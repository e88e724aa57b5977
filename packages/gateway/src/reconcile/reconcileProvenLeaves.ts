import {
  aviarySettlementAbi,
  hashRelayReceipt,
  type RelayReceipt,
  recoverDigestSigner,
  relayReceiptSchema,
  relayRequestSchema,
} from "@aviary/protocol";
import type { SupplierStatsBook } from "@aviary/sdk";
import type { Logger } from "pino";
import {
  type Account,
  type Address,
  type Chain,
  decodeFunctionData,
  type Hex,
  hexToBytes,
  isAddressEqual,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { GatewayStore, ReceiptRecord } from "../store/GatewayStore.ts";

export type ReconcileProvenLeavesParameters = {
  publicClient: PublicClient;
  /** Sends equivocation reports (the gateway's key). */
  walletClient: WalletClient<Transport, Chain, Account>;
  settlement: Address;
  store: GatewayStore;
  book?: SupplierStatsBook;
  logger?: Pick<Logger, "info" | "warn">;
  fromBlock: bigint;
  toBlock?: bigint;
};

/** Which draw a proven leaf answered (protocol.md §6): one leaf answers both when they land on it. */
export type ProofDrawKind = "sum" | "count";

export type Equivocation = {
  relayKey: Hex;
  supplier: Address;
  claimKey: Hex;
  /** The draws the proven leaf answered: `["sum"]`, `["count"]`, or both. */
  drawnBy: ProofDrawKind[];
  /** The report's transaction, when one was sent and succeeded. */
  transactionHash?: Hex;
  /** Already reported on chain (by an earlier pass or by someone else): nothing was sent. */
  alreadyReported?: boolean;
  /** Why no report was sent, or why it failed. */
  error?: string;
};

export type ReconcileProvenLeavesReturnType = {
  /** Proven leaves this gateway holds a receipt for. */
  checked: number;
  /** Of those, leaves whose receipt is the one this gateway received. */
  matched: number;
  equivocations: Equivocation[];
};

/** A leaf of a `prove` call, as the calldata carries it. */
type ProvenLeaf = {
  relayKey: Hex;
  drawnBy: ProofDrawKind[];
  receipt: RelayReceipt;
  receiptSignature: Hex;
};

/**
 * Compares every leaf proven on-chain with the receipt this gateway received for the same request. Proofs
 * are public: the `prove(claimKey, proofs)` calldata holds each proven relay whole, one leaf when the sum
 * and count draws land on the same leaf, else two (`[sum-drawn, count-drawn]`, the `Proven` event's
 * `sumRelayKey` and `countRelayKey`). A different receipt signed by the same operator for one request is a
 * fraud proof: it is reported (`reportEquivocation`, which slashes the supplier and pays the reporter) and
 * the supplier's reputation takes the hit of a bad receipt.
 *
 * Only fraud proofs the contract accepts are sent: both receipts must recover, under the one signature rule
 * (v 27/28, low s), to the same signer; a relay already reported is not reported again.
 *
 * @example
 * const { equivocations } = await reconcileProvenLeaves({ publicClient, walletClient, settlement, store, fromBlock: 0n });
 */
export async function reconcileProvenLeaves(
  parameters: ReconcileProvenLeavesParameters,
): Promise<ReconcileProvenLeavesReturnType> {
  const { publicClient, settlement } = parameters;
  const events = await publicClient.getContractEvents({
    address: settlement,
    abi: aviarySettlementAbi,
    eventName: "Proven",
    fromBlock: parameters.fromBlock,
    toBlock: parameters.toBlock ?? "latest",
    strict: true,
  });
  const result: ReconcileProvenLeavesReturnType = { checked: 0, matched: 0, equivocations: [] };
  if (events.length === 0) return result;
  const receipts = new Map(
    (await parameters.store.receiptsFor({})).map((receipt) => [receipt.relayKey.toLowerCase(), receipt]),
  );
  const chainId = publicClient.chain?.id ?? (await publicClient.getChainId());
  const domain = { chainId, verifyingContract: settlement };
  for (const event of events) {
    const { claimKey, sumRelayKey, countRelayKey } = event.args;
    // Reading the calldata costs a request: only for proofs that carry a relay of ours.
    if (!receipts.has(sumRelayKey.toLowerCase()) && !receipts.has(countRelayKey.toLowerCase())) continue;
    const leaves = await provenLeaves(publicClient, event.transactionHash, {
      claimKey,
      sumRelayKey,
      countRelayKey,
    });
    if (!leaves) {
      parameters.logger?.warn(
        { claimKey, transaction: event.transactionHash },
        "a proof's leaves could not be read from its transaction (not a direct prove call): not compared",
      );
      continue;
    }
    for (const leaf of leaves) {
      const ours = receipts.get(leaf.relayKey.toLowerCase());
      if (!ours) continue;
      result.checked += 1;
      const ourReceipt = relayReceiptSchema.parse(JSON.parse(ours.receipt));
      if (sameReceipt(leaf.receipt, ourReceipt)) {
        result.matched += 1;
        continue;
      }
      result.equivocations.push(
        await reportEquivocation(parameters, domain, { claimKey, leaf, ours, ourReceipt }),
      );
    }
  }
  return result;
}

/** The proven leaves of `prove` in `transactionHash`, keyed as the `Proven` event names them. */
async function provenLeaves(
  publicClient: PublicClient,
  transactionHash: Hex,
  proven: { claimKey: Hex; sumRelayKey: Hex; countRelayKey: Hex },
): Promise<ProvenLeaf[] | undefined> {
  const transaction = await publicClient.getTransaction({ hash: transactionHash });
  let decoded: ReturnType<typeof decodeFunctionData<typeof aviarySettlementAbi>>;
  try {
    decoded = decodeFunctionData({ abi: aviarySettlementAbi, data: transaction.input });
  } catch {
    return undefined;
  }
  if (decoded.functionName !== "prove") return undefined;
  const [claimKey, proofs] = decoded.args;
  if (claimKey.toLowerCase() !== proven.claimKey.toLowerCase()) return undefined;
  const sumDrawn = proofs[0];
  const countDrawn = proofs[proofs.length - 1];
  if (!sumDrawn || !countDrawn) return undefined;
  const leaf = (proof: typeof sumDrawn, relayKey: Hex, drawnBy: ProofDrawKind[]): ProvenLeaf => ({
    relayKey,
    drawnBy,
    receipt: proof.leaf.receipt,
    receiptSignature: proof.leaf.receiptSignature,
  });
  // The contract checks proofs[0] against the sum draw and the last proof against the count draw.
  return proofs.length === 1
    ? [leaf(sumDrawn, proven.sumRelayKey, ["sum", "count"])]
    : [leaf(sumDrawn, proven.sumRelayKey, ["sum"]), leaf(countDrawn, proven.countRelayKey, ["count"])];
}

function sameReceipt(proven: RelayReceipt, ours: RelayReceipt): boolean {
  return (
    proven.request.toLowerCase() === ours.request.toLowerCase() &&
    proven.responseHash.toLowerCase() === ours.responseHash.toLowerCase() &&
    proven.inputUnits === ours.inputUnits &&
    proven.outputUnits === ours.outputUnits
  );
}

/** Reports one equivocation, unless the contract would refuse the report (or already has one). */
async function reportEquivocation(
  parameters: ReconcileProvenLeavesParameters,
  domain: { chainId: number; verifyingContract: Address },
  found: { claimKey: Hex; leaf: ProvenLeaf; ours: ReceiptRecord; ourReceipt: RelayReceipt },
): Promise<Equivocation> {
  const { publicClient, settlement, logger, book } = parameters;
  const { claimKey, leaf, ours, ourReceipt } = found;
  const request = relayRequestSchema.parse(JSON.parse(ours.request));
  const equivocation: Equivocation = {
    relayKey: leaf.relayKey,
    supplier: request.supplier,
    claimKey,
    drawnBy: leaf.drawnBy,
  };
  const signerOf = (receipt: RelayReceipt, signature: Hex) =>
    recoverDigestSigner(hexToBytes(hashRelayReceipt({ domain, receipt })), signature);
  const ourSigner = signerOf(ourReceipt, ours.receiptSignature as Hex);
  const provenSigner = signerOf(leaf.receipt, leaf.receiptSignature);
  if (!ourSigner || !provenSigner || !isAddressEqual(ourSigner, provenSigner)) {
    // Not a fraud proof the contract accepts (a receipt kept before the one signature rule, say): the
    // difference is logged, nobody is reported.
    equivocation.error = !ourSigner
      ? "the receipt this gateway holds breaks the one signature rule: not reported"
      : "the two receipts are not signed by the same operator: not reported";
    logger?.warn({ ...equivocation }, "a proven leaf differs from our receipt, but not as a fraud proof");
    return equivocation;
  }
  logger?.warn(
    { ...equivocation, ours: ourReceipt, proven: leaf.receipt },
    "a proven leaf carries a different receipt than the one we received: reporting equivocation",
  );
  book?.recordFailure(
    { address: request.supplier, endpoint: book.get(request.supplier)?.endpoint ?? "" },
    { kind: "bad-receipt", now: Date.now() },
  );
  try {
    const reported = await publicClient.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "isReported",
      args: [leaf.relayKey],
    });
    if (reported) {
      equivocation.alreadyReported = true;
      return equivocation;
    }
    const hash = await parameters.walletClient.writeContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "reportEquivocation",
      args: [request, ourReceipt, ours.receiptSignature as Hex, leaf.receipt, leaf.receiptSignature],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`reportEquivocation reverted (${hash})`);
    equivocation.transactionHash = hash;
  } catch (error) {
    equivocation.error = (error as Error).message.split("\n")[0];
  }
  return equivocation;
}
