import { aviarySettlementAbi, type SessionWindows } from "@aviary/protocol";
import { type Hex, parseEventLogs, type TransactionReceipt } from "viem";
import type { ClaimState } from "../store/RelayStore.ts";
import { forEachConcurrently } from "./forEachConcurrently.ts";
import { readOnChainClaim } from "./readOnChainClaim.ts";
import { sendSettlementTransaction } from "./sendSettlementTransaction.ts";
import type { LifecycleContext } from "./types.ts";

export type SettleSessionParameters = {
  session: bigint;
  /** The head block: a transaction sent now lands in `blockNumber + 1` at the earliest. */
  blockNumber: bigint;
  windows: SessionWindows;
};

/**
 * The settlement step, once a transaction can land after the proof window: sends `settle` for the session's
 * `proven` and `not-required` claims and records what the supplier's owner was paid (the `Settled` event's
 * `toSupplier`). A claim someone else already settled is adopted with the amount from its `Settled` event.
 * Settlement has no deadline, so failures are retried on every block until it lands.
 *
 * @example
 * ```ts
 * await settleSession(context, { session, blockNumber, windows: sessionWindows(session, context.sessionParams) });
 * ```
 */
export async function settleSession(
  context: LifecycleContext,
  parameters: SettleSessionParameters,
): Promise<void> {
  const { session, blockNumber, windows } = parameters;
  if (blockNumber + 1n < windows.settleFrom) return;
  const ready = context.book
    .forSession(session)
    .filter((state) => state.status === "proven" || state.status === "not-required");
  await forEachConcurrently(ready, context.concurrency, async (state) => {
    const key = `settle:${state.claimKey}`;
    try {
      const onChain = await readOnChainClaim(context.publicClient, context.settlement, state.claimKey);
      if (!onChain) {
        await context.fail(
          "settle",
          state,
          "the claim is not on chain (another chain, or a reorganisation dropped it)",
        );
        return;
      }
      if (onChain.settled) {
        const logs = await context.publicClient.getContractEvents({
          address: context.settlement,
          abi: aviarySettlementAbi,
          eventName: "Settled",
          args: { claimKey: state.claimKey },
          fromBlock: windows.settleFrom,
          toBlock: "latest",
        });
        const paid = logs[0]?.args.toSupplier ?? 0n;
        context.inFlight.delete(key);
        await settled(context, state, paid, undefined);
        return;
      }
      const receipt = await sendSettlementTransaction(context, {
        action: "settle",
        key,
        session,
        claimKey: state.claimKey,
        write: () =>
          context.walletClient.writeContract({
            address: context.settlement,
            abi: aviarySettlementAbi,
            functionName: "settle",
            args: [state.claimKey],
          }),
      });
      if (!receipt) return;
      context.lastErrors.delete(key);
      const outcome = settlementOutcome(receipt, state.claimKey);
      if (outcome.slashed !== undefined) {
        await context.fail(
          "settle",
          state,
          `settled without the required proof: slashed ${outcome.slashed}, paid nothing`,
        );
        return;
      }
      await settled(context, state, outcome.paid, receipt.transactionHash);
    } catch (error) {
      context.retry({ session, action: key, claimKey: state.claimKey, error });
    }
  });
}

function settlementOutcome(receipt: TransactionReceipt, claimKey: Hex): { paid: bigint; slashed?: bigint } {
  const key = claimKey.toLowerCase();
  const logs = parseEventLogs({ abi: aviarySettlementAbi, logs: receipt.logs });
  let paid = 0n;
  let slashed: bigint | undefined;
  for (const log of logs) {
    if (log.eventName === "Settled" && log.args.claimKey.toLowerCase() === key) paid = log.args.toSupplier;
    if (log.eventName === "ProofMissing" && log.args.claimKey.toLowerCase() === key)
      slashed = log.args.slashed;
  }
  return slashed === undefined ? { paid } : { paid, slashed };
}

async function settled(
  context: LifecycleContext,
  state: ClaimState,
  paid: bigint,
  transactionHash: Hex | undefined,
): Promise<void> {
  const next: ClaimState = { ...state, status: "settled", paid, updatedAt: Date.now() };
  if (transactionHash) next.transactionHash = transactionHash;
  await context.book.put(next);
  context.emit(
    transactionHash
      ? {
          type: "settled",
          session: state.session,
          claimKey: state.claimKey,
          paid,
          adopted: false,
          transactionHash,
        }
      : { type: "settled", session: state.session, claimKey: state.claimKey, paid, adopted: true },
  );
  context.logger.info(
    { session: state.session.toString(), claimKey: state.claimKey, paid: paid.toString() },
    "settled",
  );
}
