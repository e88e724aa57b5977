import { aviarySettlementAbi, type SessionWindows } from "@aviary/protocol";
import { getClaim, settle } from "@aviary/sdk";
import type { Hex } from "viem";
import type { ClaimState } from "../store/RelayStore.ts";
import { forEachConcurrently } from "./forEachConcurrently.ts";
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
 * `proven` and `not-required` claims (which releases their collateral) and records what the supplier's owner
 * was paid (the `Settled` event's `toSupplier`). A claim someone else already settled is adopted with the
 * amount from its `Settled` event; one that was slashed (its required proof missing) is recorded as `failed`.
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
      const onChain = await getClaim(context.publicClient, {
        settlement: context.settlement,
        claimKey: state.claimKey,
      });
      if (!onChain) {
        await context.fail(
          "settle",
          state,
          "the claim is not on chain (another chain, or a reorganisation dropped it)",
        );
        return;
      }
      if (onChain.settled) {
        context.inFlight.delete(key);
        await adoptSettlement(context, state, windows, onChain.slashed ? onChain.collateral : undefined);
        return;
      }
      const sent = await sendSettlementTransaction(context, {
        action: "settle",
        key,
        session,
        claimKey: state.claimKey,
        send: (clients, options) =>
          settle(clients, { ...options, settlement: context.settlement, claimKey: state.claimKey }),
      });
      if (!sent) return;
      context.lastErrors.delete(key);
      if (!sent.result) {
        // An earlier attempt's transaction, found mined: what it did is on chain.
        const after = await getClaim(context.publicClient, {
          settlement: context.settlement,
          claimKey: state.claimKey,
        });
        await adoptSettlement(context, state, windows, after?.slashed ? after.collateral : undefined);
        return;
      }
      if (sent.result.slashed !== undefined) {
        await context.fail(
          "settle",
          state,
          `settled without the required proof: collateral ${sent.result.slashed} slashed, paid nothing`,
        );
        return;
      }
      await settled(context, state, sent.result.toSupplier, sent.receipt.transactionHash);
    } catch (error) {
      context.retry({ session, action: key, claimKey: state.claimKey, error });
    }
  });
}

/** Records a claim settled by someone (or by an earlier attempt): paid as its `Settled` event says, or slashed. */
async function adoptSettlement(
  context: LifecycleContext,
  state: ClaimState,
  windows: SessionWindows,
  slashed: bigint | undefined,
): Promise<void> {
  if (slashed !== undefined) {
    await context.fail(
      "settle",
      state,
      `settled without the required proof: collateral ${slashed} slashed, paid nothing`,
    );
    return;
  }
  const logs = await context.publicClient.getContractEvents({
    address: context.settlement,
    abi: aviarySettlementAbi,
    eventName: "Settled",
    args: { claimKey: state.claimKey },
    fromBlock: windows.settleFrom,
    toBlock: "latest",
  });
  await settled(context, state, logs[0]?.args.toSupplier ?? 0n, undefined);
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
