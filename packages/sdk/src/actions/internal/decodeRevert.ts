/**
 * Turns a viem contract error into a {@link ContractRevertedError} that names the custom error and says what it
 * means. Internal to the chain actions.
 * @module
 */
import { aviaryRegistryAbi, aviarySettlementAbi } from "@aviary/protocol";
import {
  type Abi,
  ContractFunctionRevertedError,
  decodeErrorResult,
  formatUnits,
  type Hex,
  BaseError as ViemBaseError,
} from "viem";
import { ContractRevertedError } from "../../errors.ts";

/** Every custom error either contract can revert with (the settlement bubbles the registry's up). */
const errorsAbi = [...aviarySettlementAbi, ...aviaryRegistryAbi].filter(
  (item) => item.type === "error",
) as Abi;

const proofDraws = ["sum", "count"];
const relayFields = ["supplier", "application", "model", "session", "price"];
const avy = (value: unknown) => `${formatUnits(value as bigint, 18)} AVY`;

/** One sentence per custom error a chain action may meet, from its arguments. */
const descriptions: Record<string, (args: readonly unknown[]) => string> = {
  OutsideWindow: ([session, blockNumber, start, end]) =>
    `block ${blockNumber} is outside the window [${start}, ${end}] of session ${session}`,
  ClaimExists: ([claimKey]) => `claim ${claimKey} was made already`,
  ClaimNotFound: ([claimKey]) => `there is no claim ${claimKey}`,
  EmptyClaim: () => "a claim root needs a count and a sum of at least 1",
  NotOperator: ([supplier, caller]) =>
    `${caller} is neither supplier ${supplier} nor its operator for the session`,
  InsufficientCollateral: ([supplier, required, available]) =>
    `supplier ${supplier} needs ${avy(required)} of unlocked stake as the claim's collateral but has ${avy(available)}`,
  AlreadyProven: ([claimKey]) => `claim ${claimKey} is proven already`,
  AlreadySettled: ([claimKey]) => `claim ${claimKey} is settled already`,
  SettlementTooEarly: ([claimKey, blockNumber, firstBlock]) =>
    `claim ${claimKey} can be settled from block ${firstBlock} on (block ${blockNumber})`,
  SeedUnavailable: ([session, seedBlock]) =>
    `the hash of seed block ${seedBlock} (session ${session}) is not readable: not mined yet, or more than 256 blocks back`,
  InvalidRequestSignature: ([recovered, application]) =>
    `the request signature recovers to ${recovered}, neither application ${application} nor a gateway it delegated to`,
  InvalidReceiptSignature: ([recovered, operator]) =>
    `the receipt signature recovers to ${recovered}, not the supplier's operator ${operator}`,
  RequestMismatch: ([field]) =>
    `the proven relay's ${relayFields[Number(field)] ?? `field ${field}`} is not the claim's (or the offer's)`,
  ReceiptMismatch: ([expected, actual]) => `the receipt names request ${actual}, not ${expected}`,
  CostAboveMax: ([cost, maxCost]) =>
    `the relay costs ${cost}, above the maxCost ${maxCost} its request allows`,
  RelayNotMined: ([relayKey]) => `relay ${relayKey} is not mined under the session's seed and difficulty`,
  InvalidProofCount: ([count]) =>
    `prove takes one leaf proof (both draws on one leaf) or two (sum-drawn, count-drawn), not ${count}`,
  InvalidProofDepth: ([depth]) =>
    `a proof of depth ${depth} (side nodes and empty mask disagree, or above 256)`,
  RootMismatch: ([expected, computed]) =>
    `the leaf and its side nodes fold to ${computed}, not the claimed root ${expected}`,
  LeafNotDrawn: ([by, drawn, start, end]) =>
    `the draw by ${proofDraws[Number(by)] ?? by} (${drawn}) is outside the proven leaf's interval [${start}, ${end})`,
  ModelNotRegistered: ([model]) => `model ${model} is not registered`,
  InsufficientUnlockedStake: ([supplier, requested, available]) =>
    `supplier ${supplier} asked for ${avy(requested)} but only ${avy(available)} of its stake is not locked as claim collateral`,
  UnsettledClaims: ([application, count]) =>
    `application ${application} has ${count} unsettled claim(s): they must settle before it withdraws`,
  InsufficientStake: ([requested, available]) => `${avy(requested)} asked for, ${avy(available)} staked`,
  StakeTooLow: ([stake, minimum]) => `a stake of ${avy(stake)} is below the minimum of ${avy(minimum)}`,
};

/**
 * The {@link ContractRevertedError} inside a viem error (a revert found while simulating or estimating gas), or
 * `error` itself when it is not a revert (network failures and the like stay as they are).
 *
 * @example
 * ```ts
 * try { await walletClient.writeContract(call); } catch (error) { throw toContractRevertedError(error, "claim"); }
 * ```
 */
export function toContractRevertedError(error: unknown, functionName: string): unknown {
  if (!(error instanceof ViemBaseError)) return error;
  const revert = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return error;
  let decoded = revert.data;
  if (!decoded && revert.raw && revert.raw !== "0x") {
    try {
      decoded = decodeErrorResult({ abi: errorsAbi, data: revert.raw });
    } catch {
      decoded = undefined;
    }
  }
  if (!decoded) {
    return new ContractRevertedError({
      functionName,
      ...(revert.reason ? { errorName: "Error", args: [revert.reason] } : {}),
      ...(revert.signature ? { signature: revert.signature as Hex } : {}),
      cause: error,
    });
  }
  const args = (decoded.args ?? []) as readonly unknown[];
  const description = descriptions[decoded.errorName]?.(args);
  return new ContractRevertedError({
    functionName,
    errorName: decoded.errorName,
    args,
    ...(description ? { description } : {}),
    cause: error,
  });
}
