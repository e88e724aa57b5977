import { aviarySettlementAbi, type TrieNode } from "@aviary/protocol";
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

export type ClaimParameters = AviaryWriteOptions & {
  /** The settlement contract. */
  settlement: Address;
  /** The supplier (owner) whose relays are claimed; the wallet's account is it or its operator at `session`. */
  supplier: Address;
  application: Address;
  /** The modelId (`keccak256(bytes(name))`). */
  model: Hex;
  session: bigint;
  /** The root `(hash, sum, count)` of the sum trie of the session's mined relays (count and sum ≥ 1). */
  root: TrieNode;
};
export type ClaimReturnType = AviaryWriteReturnType & {
  claimKey: Hex;
  /** `root.sum / p`: what settlement pays before the budget cap. */
  amount: bigint;
  /** `max(missingProofPenalty, amount)`, locked from the supplier's stake until the claim settles. */
  collateral: bigint;
};
export type ClaimErrorType =
  | AccountMissingError
  | ContractRevertedError
  | TransactionRevertedError
  | TransactionEventMissingError
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

/**
 * Claims the root of a session's mined relays for one (application, model), in the session's claim window
 * (protocol.md §7). The contract locks `max(missingProofPenalty, amount)` of the supplier's unlocked stake
 * (`claimCollateral`); a refusal throws {@link ContractRevertedError} naming it (`InsufficientCollateral`,
 * `OutsideWindow`, `ClaimExists`, `NotOperator`, …).
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the supplier's operator or owner).
 * @param parameters - the settlement, the claim's (supplier, application, model, session) and root; optional
 *   {@link AviaryWriteOptions}.
 * @example
 * ```ts
 * const { claimKey, collateral } = await claim(clients, {
 *   settlement, supplier, application, model, session: 12n, root: trie.root(),
 * });
 * ```
 */
export async function claim(
  clients: AviaryWriteClients,
  parameters: ClaimParameters,
): Promise<ClaimReturnType> {
  const { settlement, supplier, application, model, session, root } = parameters;
  const account = accountOf(clients, "claim");
  const sent = await sendAndWait(
    clients,
    "claim",
    () =>
      clients.walletClient.writeContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "claim",
        args: [supplier, application, model, session, root],
        account,
        chain: clients.walletClient.chain,
      }),
    parameters,
  );
  const [claimed] = settlementLogs(sent.receipt, settlement, "Claimed");
  if (!claimed)
    throw new TransactionEventMissingError({ functionName: "claim", eventName: "Claimed", hash: sent.hash });
  return {
    ...sent,
    claimKey: claimed.args.claimKey,
    amount: claimed.args.amount,
    collateral: claimed.args.collateral,
  };
}
