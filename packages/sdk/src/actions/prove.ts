import { aviarySettlementAbi, type SignedRelay, type TrieNode } from "@aviary/protocol";
import type { Address, Hex, WaitForTransactionReceiptErrorType, WriteContractErrorType } from "viem";
import {
  type AccountMissingError,
  type ContractRevertedError,
  TransactionEventMissingError,
  type TransactionRevertedError,
} from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteOptions,
  type AviaryWriteReturnType,
  accountOf,
  sendAndWait,
  settlementLogs,
} from "./internal/clients.ts";

/**
 * One drawn leaf of a weighted proof, as the contract's `LeafProof` struct: the whole signed relay, the non-Empty
 * side nodes root to leaf, and `emptyMask` (bit `i` set: the side node at depth `i` is Empty). Build it from
 * `proveClaim(trie, { proofSeed, claimKey })`: each compact proof's `sideNodes` and `emptyMask`, with the relay
 * whose key is the proof's `key` as `leaf`.
 */
export type LeafProof = { leaf: SignedRelay; sideNodes: readonly TrieNode[]; emptyMask: bigint };

export type ProveParameters = AviaryWriteOptions & {
  /** The settlement contract. */
  settlement: Address;
  claimKey: Hex;
  /** One proof when both draws land on the same leaf, else two: `[sum-drawn, count-drawn]` (as `proveClaim` gives). */
  proofs: readonly LeafProof[];
};
export type ProveReturnType = AviaryWriteReturnType & {
  /** The relay key of the leaf drawn by sum. */
  sumRelayKey: Hex;
  /** The relay key of the leaf drawn by count (the same as `sumRelayKey` for one proof). */
  countRelayKey: Hex;
};
export type ProveErrorType =
  | AccountMissingError
  | ContractRevertedError
  | TransactionRevertedError
  | TransactionEventMissingError
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

/**
 * Proves a claim's two drawn leaves in the session's proof window (protocol.md §6–§7). Anyone may send it; the
 * contract checks each leaf in full (signatures, fields, prices, cost, mining, fold to the root) and the draws.
 * A refusal throws {@link ContractRevertedError} naming it (`LeafNotDrawn`, `RootMismatch`, `OutsideWindow`,
 * `InvalidProofCount`, `AlreadyProven`, …).
 *
 * @param clients - `{ publicClient, walletClient }`.
 * @param parameters - the settlement, the claim key and its one or two leaf proofs; optional {@link AviaryWriteOptions}.
 * @example
 * ```ts
 * const proofs = proveClaim(trie, { proofSeed, claimKey }).map((proof) => ({
 *   leaf: relays.get(proof.key), sideNodes: proof.sideNodes, emptyMask: proof.emptyMask,
 * }));
 * await prove(clients, { settlement, claimKey, proofs });
 * ```
 */
export async function prove(
  clients: AviaryWriteClients,
  parameters: ProveParameters,
): Promise<ProveReturnType> {
  const { settlement, claimKey, proofs } = parameters;
  const account = accountOf(clients, "prove");
  const sent = await sendAndWait(
    clients,
    "prove",
    () =>
      clients.walletClient.writeContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "prove",
        args: [
          claimKey,
          proofs.map((proof) => ({
            leaf: {
              request: proof.leaf.request,
              requestSignature: proof.leaf.requestSignature,
              receipt: proof.leaf.receipt,
              receiptSignature: proof.leaf.receiptSignature,
            },
            sideNodes: [...proof.sideNodes],
            emptyMask: proof.emptyMask,
          })),
        ],
        account,
        chain: clients.walletClient.chain,
      }),
    parameters,
  );
  const [proven] = settlementLogs(sent.receipt, settlement, "Proven");
  if (!proven)
    throw new TransactionEventMissingError({ functionName: "prove", eventName: "Proven", hash: sent.hash });
  return { ...sent, sumRelayKey: proven.args.sumRelayKey, countRelayKey: proven.args.countRelayKey };
}
