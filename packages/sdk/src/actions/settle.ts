import { aviarySettlementAbi } from "@aviary/protocol";
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

export type SettleParameters = AviaryWriteOptions & {
  /** The settlement contract. */
  settlement: Address;
  claimKey: Hex;
};
export type SettleReturnType = AviaryWriteReturnType & {
  /** What the claim was paid in all (0 when slashed). */
  paid: bigint;
  /** The model source's share. */
  toSource: bigint;
  /** The protocol treasury's share. */
  toTreasury: bigint;
  /** The supplier owner's share. */
  toSupplier: bigint;
  /** The collateral unlocked again (the claim was not slashed); 0 when slashed. */
  released: bigint;
  /** The collateral slashed for a required proof that never came; `undefined` when not slashed. */
  slashed: bigint | undefined;
};
export type SettleErrorType =
  | AccountMissingError
  | ContractRevertedError
  | TransactionRevertedError
  | TransactionEventMissingError
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

/**
 * Settles a claim after its session's proof window; anyone may send it (protocol.md §7). A claim that needed a
 * proof and has none has its whole collateral slashed and is paid nothing (`slashed` is set); any other releases
 * its collateral and is paid `amount · min(1, budget / total)`, split between the model's source, the treasury
 * and the supplier's owner. A refusal throws {@link ContractRevertedError} (`SettlementTooEarly`,
 * `AlreadySettled`, `ClaimNotFound`).
 *
 * @param clients - `{ publicClient, walletClient }`.
 * @param parameters - the settlement and the claim key; optional {@link AviaryWriteOptions}.
 * @example
 * ```ts
 * const { toSupplier, slashed } = await settle(clients, { settlement, claimKey });
 * ```
 */
export async function settle(
  clients: AviaryWriteClients,
  parameters: SettleParameters,
): Promise<SettleReturnType> {
  const { settlement, claimKey } = parameters;
  const account = accountOf(clients, "settle");
  const sent = await sendAndWait(
    clients,
    "settle",
    () =>
      clients.walletClient.writeContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "settle",
        args: [claimKey],
        account,
        chain: clients.walletClient.chain,
      }),
    parameters,
  );
  const logs = settlementLogs(sent.receipt, settlement, ["Settled", "ProofMissing", "CollateralReleased"]);
  const ofClaim = logs.filter(
    (log) => "claimKey" in log.args && log.args.claimKey.toLowerCase() === claimKey.toLowerCase(),
  );
  const settled = ofClaim.find((log) => log.eventName === "Settled");
  if (!settled || settled.eventName !== "Settled")
    throw new TransactionEventMissingError({ functionName: "settle", eventName: "Settled", hash: sent.hash });
  const missing = ofClaim.find((log) => log.eventName === "ProofMissing");
  const released = ofClaim.find((log) => log.eventName === "CollateralReleased");
  return {
    ...sent,
    paid: settled.args.paid,
    toSource: settled.args.toSource,
    toTreasury: settled.args.toTreasury,
    toSupplier: settled.args.toSupplier,
    released: released?.eventName === "CollateralReleased" ? released.args.amount : 0n,
    slashed: missing?.eventName === "ProofMissing" ? missing.args.slashed : undefined,
  };
}
