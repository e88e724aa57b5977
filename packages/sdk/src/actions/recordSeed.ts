import { aviarySettlementAbi } from "@aviary/protocol";
import type {
  Address,
  Hex,
  ReadContractErrorType,
  WaitForTransactionReceiptErrorType,
  WriteContractErrorType,
} from "viem";
import type { AccountMissingError, ContractRevertedError, TransactionRevertedError } from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteOptions,
  type AviaryWriteReturnType,
  accountOf,
  sendAndWait,
  settlementLogs,
} from "./internal/clients.ts";

export type RecordSeedParameters = AviaryWriteOptions & {
  /** The settlement contract. */
  settlement: Address;
  session: bigint;
};
export type RecordSeedReturnType = AviaryWriteReturnType & {
  /** `proofSeed[session]`: the hash of the session's proof seed block. */
  seed: Hex;
  /** Whether this transaction stored it (false: someone had already). */
  recorded: boolean;
};
export type RecordSeedErrorType =
  | AccountMissingError
  | ContractRevertedError
  | TransactionRevertedError
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType
  | ReadContractErrorType;

/**
 * Stores a session's proof seed, `blockhash(B)` of its proof seed block, in the proof window (protocol.md §3).
 * Without it every claim of the session counts as requiring a proof; the first `prove` stores it too. A refusal
 * throws {@link ContractRevertedError} (`OutsideWindow`, `SeedUnavailable`).
 *
 * @param clients - `{ publicClient, walletClient }`.
 * @param parameters - the settlement and the session; optional {@link AviaryWriteOptions}.
 * @example
 * ```ts
 * const { seed } = await recordSeed(clients, { settlement, session: 12n });
 * ```
 */
export async function recordSeed(
  clients: AviaryWriteClients,
  parameters: RecordSeedParameters,
): Promise<RecordSeedReturnType> {
  const { settlement, session } = parameters;
  const account = accountOf(clients, "recordSeed");
  const sent = await sendAndWait(
    clients,
    "recordSeed",
    () =>
      clients.walletClient.writeContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "recordSeed",
        args: [session],
        account,
        chain: clients.walletClient.chain,
      }),
    parameters,
  );
  const [recorded] = settlementLogs(sent.receipt, settlement, "ProofSeedRecorded");
  if (recorded) return { ...sent, seed: recorded.args.seed, recorded: true };
  const seed = await clients.publicClient.readContract({
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: "proofSeed",
    args: [session],
    blockNumber: sent.receipt.blockNumber,
  });
  return { ...sent, seed, recorded: false };
}
