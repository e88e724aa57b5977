import {
  aviarySettlementAbi,
  claimKey as computeClaimKey,
  relayKey as computeRelayKey,
  hashRelayReceipt,
  type RelayReceipt,
  type RelayRequest,
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
import { equivocationEvidence } from "./equivocationEvidence.ts";

export type ReconcileProvenLeavesParameters = {
  publicClient: PublicClient;
  /** Sends equivocation reports (the gateway's key). */
  walletClient: WalletClient<Transport, Chain, Account>;
  settlement: Address;
  /** Where receipts are read and evidence is stored (`putEvidence`, published at `/public/v1/evidence`). */
  store: GatewayStore;
  /** Takes the reputation hit of a bad receipt for each equivocation. */
  book?: SupplierStatsBook;
  /** Counts each piece of evidence in what is published about the supplier. */
  evaluation?: { recordEvidence(address: string): void };
  /** The model's name for an evidence record. @default the model id */
  modelName?: (modelId: Hex) => Promise<string>;
  /**
   * The address this gateway signs relays with: only leaves whose request it signed are its to judge.
   * @default walletClient.account.address
   */
  gateway?: Address;
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
  /** The evidence record's id (`/public/v1/evidence`), when it is a fraud proof the contract accepts. */
  evidenceId?: string;
};

export type ReconcileProvenLeavesReturnType = {
  /** Proven leaves of requests this gateway signed and holds a receipt for. */
  checked: number;
  /** Of those, leaves whose receipt is the one this gateway received. */
  matched: number;
  /**
   * Proven leaves of requests this gateway signed but holds no receipt for: not evidence (the relay may have
   * been served while the gateway lost the answer: a client hang-up, a hedged or failed-over attempt the
   * supplier finished, a crash before the receipt was committed, pruning). The contract already checked that
   * the operator signed the receipt and that it bills within the signed `maxCost`.
   */
  unreceipted: number;
  /** Proven leaves of requests someone else signed (the application itself, another delegated gateway). */
  foreign: number;
  equivocations: Equivocation[];
};

/** A leaf of a `prove` call, as the calldata carries it. */
type ProvenLeaf = {
  relayKey: Hex;
  drawnBy: ProofDrawKind[];
  request: RelayRequest;
  requestSignature: Hex;
  receipt: RelayReceipt;
  receiptSignature: Hex;
};

/**
 * Compares every leaf proven on-chain with the receipt this gateway received for the same request. Proofs
 * are public: the `prove(claimKey, proofs)` calldata holds each proven relay whole, one leaf when the sum
 * and count draws land on the same leaf, else two (`[sum-drawn, count-drawn]`, the `Proven` event's
 * `sumRelayKey` and `countRelayKey`).
 *
 * Only leaves whose request this gateway signed are judged (the request signature recovers to `gateway`); a
 * leaf signed by the application itself or by another of its gateways is counted as `foreign`, one this
 * gateway signed but holds no receipt for as `unreceipted`: neither is evidence. A different receipt signed
 * by the same operator for a request this gateway signed is a fraud proof: it is stored as evidence (with
 * the signed request and both receipts, published at `/public/v1/evidence`), the supplier's reputation takes
 * the hit of a bad receipt, and it is reported (`reportEquivocation`, which slashes the supplier and pays the
 * reporter).
 *
 * Only fraud proofs the contract accepts count: both receipts must recover, under the one signature rule
 * (v 27/28, low s), to the same signer; a relay already reported is not reported again. Proofs are read (one
 * request each) only when they carry a relay this gateway holds a receipt for, or belong to a claim it holds
 * receipts for.
 *
 * @example
 * const { equivocations } = await reconcileProvenLeaves({ publicClient, walletClient, settlement, store, fromBlock: 0n });
 */
export async function reconcileProvenLeaves(
  parameters: ReconcileProvenLeavesParameters,
): Promise<ReconcileProvenLeavesReturnType> {
  const { publicClient, settlement } = parameters;
  const gateway = parameters.gateway ?? parameters.walletClient.account.address;
  const events = await publicClient.getContractEvents({
    address: settlement,
    abi: aviarySettlementAbi,
    eventName: "Proven",
    fromBlock: parameters.fromBlock,
    toBlock: parameters.toBlock ?? "latest",
    strict: true,
  });
  const result: ReconcileProvenLeavesReturnType = {
    checked: 0,
    matched: 0,
    unreceipted: 0,
    foreign: 0,
    equivocations: [],
  };
  if (events.length === 0) return result;
  const stored = await parameters.store.receiptsFor({});
  const receipts = new Map(stored.map((receipt) => [receipt.relayKey.toLowerCase(), receipt]));
  // The claims this gateway relayed for: their proofs are read even when no drawn leaf is one of ours.
  const claims = new Set<string>();
  for (const receipt of stored) {
    claims.add(
      computeClaimKey({
        supplier: receipt.supplier as Address,
        application: receipt.application as Address,
        model: receipt.model as Hex,
        session: receipt.session,
      }).toLowerCase(),
    );
  }
  const chainId = publicClient.chain?.id ?? (await publicClient.getChainId());
  const domain = { chainId, verifyingContract: settlement };
  for (const event of events) {
    const { claimKey, sumRelayKey, countRelayKey } = event.args;
    // Reading the calldata costs a request: only for proofs that can concern a relay of ours.
    const ours = (key: Hex) => receipts.has(key.toLowerCase());
    if (!ours(sumRelayKey) && !ours(countRelayKey) && !claims.has(claimKey.toLowerCase())) continue;
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
      const record = receipts.get(leaf.relayKey.toLowerCase());
      // Ours when the request recovers to this gateway: the stored signature when we hold the relay (a store
      // shared with another key holds relays that are not ours), else the one the proof carries.
      const signer = recoverDigestSigner(
        hexToBytes(computeRelayKey({ domain, request: leaf.request })),
        (record?.requestSignature as Hex | undefined) ?? leaf.requestSignature,
      );
      if (!signer || !isAddressEqual(signer, gateway)) {
        result.foreign += 1;
        continue;
      }
      if (!record) {
        result.unreceipted += 1;
        parameters.logger?.info(
          { claimKey, relayKey: leaf.relayKey, supplier: leaf.request.supplier },
          "a proven leaf is a relay this gateway signed but holds no receipt for: not evidence",
        );
        continue;
      }
      result.checked += 1;
      const ourReceipt = relayReceiptSchema.parse(JSON.parse(record.receipt));
      if (sameReceipt(leaf.receipt, ourReceipt)) {
        result.matched += 1;
        continue;
      }
      result.equivocations.push(
        await reportEquivocation(parameters, domain, {
          claimKey,
          proveTransaction: event.transactionHash,
          leaf,
          ours: record,
          ourReceipt,
        }),
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
    request: proof.leaf.request,
    requestSignature: proof.leaf.requestSignature,
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

/**
 * Files one equivocation: evidence and the reputation hit, then the on-chain report unless the contract would
 * refuse it (or already has one). A difference that is no fraud proof the contract accepts is only logged.
 */
async function reportEquivocation(
  parameters: ReconcileProvenLeavesParameters,
  domain: { chainId: number; verifyingContract: Address },
  found: {
    claimKey: Hex;
    proveTransaction: Hex;
    leaf: ProvenLeaf;
    ours: ReceiptRecord;
    ourReceipt: RelayReceipt;
  },
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
    // difference is logged, nobody is reported, nothing is held against the supplier.
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
  const now = Date.now();
  book?.recordFailure(
    { address: request.supplier, endpoint: book.get(request.supplier)?.endpoint ?? "" },
    { kind: "bad-receipt", now },
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
    } else {
      const hash = await parameters.walletClient.writeContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "reportEquivocation",
        args: [request, ourReceipt, ours.receiptSignature as Hex, leaf.receipt, leaf.receiptSignature],
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`reportEquivocation reverted (${hash})`);
      equivocation.transactionHash = hash;
    }
  } catch (error) {
    equivocation.error = (error as Error).message.split("\n")[0];
  }
  // The evidence stands whether or not the report went through: anyone can send it from the record.
  try {
    const model = parameters.modelName
      ? await parameters.modelName(request.model).catch(() => request.model)
      : request.model;
    const record = equivocationEvidence({
      relayKey: leaf.relayKey,
      model,
      request,
      requestSignature: ours.requestSignature as Hex,
      received: { receipt: ourReceipt, signature: ours.receiptSignature as Hex },
      proven: { receipt: leaf.receipt, signature: leaf.receiptSignature },
      claimKey,
      proveTransaction: found.proveTransaction,
      drawnBy: leaf.drawnBy,
      ...(equivocation.transactionHash ? { reportTransaction: equivocation.transactionHash } : {}),
      now,
    });
    await parameters.store.putEvidence(record);
    parameters.evaluation?.recordEvidence(request.supplier);
    equivocation.evidenceId = record.id;
  } catch (error) {
    logger?.warn({ err: error, relayKey: leaf.relayKey }, "storing the equivocation's evidence failed");
  }
  return equivocation;
}
