import { aviarySettlementAbi, relayReceiptSchema, relayRequestSchema } from "@aviary/protocol";
import type { SupplierStatsBook } from "@aviary/sdk";
import type { Logger } from "pino";
import {
  type Account,
  type Address,
  type Chain,
  decodeFunctionData,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { GatewayStore } from "../store/GatewayStore.ts";

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

export type Equivocation = {
  relayKey: Hex;
  supplier: Address;
  claimKey: Hex;
  /** The report's transaction, or why it could not be sent. */
  transactionHash?: Hex;
  error?: string;
};

export type ReconcileProvenLeavesReturnType = {
  checked: number;
  matched: number;
  equivocations: Equivocation[];
};

/**
 * Compares every leaf proven on-chain (proofs are public: the `prove` calldata holds the whole relay) with the
 * receipt this gateway received for the same request. A different receipt signed by the same operator for one
 * request is a fraud proof: it is reported (`reportEquivocation`, which slashes the supplier and pays the
 * reporter) and the supplier's reputation takes the hit of a bad receipt.
 *
 * @example
 * const { equivocations } = await reconcileProvenLeaves({ publicClient, walletClient, settlement, store, fromBlock: 0n });
 */
export async function reconcileProvenLeaves(
  parameters: ReconcileProvenLeavesParameters,
): Promise<ReconcileProvenLeavesReturnType> {
  const events = await parameters.publicClient.getContractEvents({
    address: parameters.settlement,
    abi: aviarySettlementAbi,
    eventName: "Proven",
    fromBlock: parameters.fromBlock,
    toBlock: parameters.toBlock ?? "latest",
  });
  const result: ReconcileProvenLeavesReturnType = { checked: 0, matched: 0, equivocations: [] };
  if (events.length === 0) return result;
  const receipts = new Map(
    (await parameters.store.receiptsFor({})).map((receipt) => [receipt.relayKey.toLowerCase(), receipt]),
  );
  for (const event of events) {
    const relayKey = event.args.relayKey as Hex;
    const claimKey = event.args.claimKey as Hex;
    const ours = receipts.get(relayKey.toLowerCase());
    if (!ours) continue;
    result.checked += 1;
    const transaction = await parameters.publicClient.getTransaction({ hash: event.transactionHash });
    const decoded = decodeFunctionData({ abi: aviarySettlementAbi, data: transaction.input });
    if (decoded.functionName !== "prove") continue;
    const leaf = decoded.args[1];
    const ourReceipt = relayReceiptSchema.parse(JSON.parse(ours.receipt));
    const same =
      leaf.receipt.responseHash.toLowerCase() === ourReceipt.responseHash.toLowerCase() &&
      leaf.receipt.inputUnits === ourReceipt.inputUnits &&
      leaf.receipt.outputUnits === ourReceipt.outputUnits &&
      leaf.receipt.request.toLowerCase() === ourReceipt.request.toLowerCase();
    if (same) {
      result.matched += 1;
      continue;
    }
    const request = relayRequestSchema.parse(JSON.parse(ours.request));
    const equivocation: Equivocation = { relayKey, supplier: request.supplier, claimKey };
    parameters.logger?.warn(
      { relayKey, supplier: request.supplier, ours: ourReceipt, proven: leaf.receipt },
      "a proven leaf carries a different receipt than the one we received: reporting equivocation",
    );
    parameters.book?.recordFailure(
      { address: request.supplier, endpoint: parameters.book.get(request.supplier)?.endpoint ?? "" },
      { kind: "bad-receipt", now: Date.now() },
    );
    try {
      const hash = await parameters.walletClient.writeContract({
        address: parameters.settlement,
        abi: aviarySettlementAbi,
        functionName: "reportEquivocation",
        args: [request, ourReceipt, ours.receiptSignature as Hex, leaf.receipt, leaf.receiptSignature],
      });
      const receipt = await parameters.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`reportEquivocation reverted (${hash})`);
      equivocation.transactionHash = hash;
    } catch (error) {
      equivocation.error = (error as Error).message.split("\n")[0];
    }
    result.equivocations.push(equivocation);
  }
  return result;
}
