import { aviarySettlementAbi, type SessionWindows } from "@aviary/protocol";
import { forEachConcurrently } from "./forEachConcurrently.ts";
import type { MinedClaim } from "./mineSession.ts";
import { readOnChainClaim } from "./readOnChainClaim.ts";
import { sendSettlementTransaction } from "./sendSettlementTransaction.ts";
import type { LifecycleContext } from "./types.ts";

export type ClaimSessionParameters = {
  session: bigint;
  /** The head block: a transaction sent now lands in `blockNumber + 1` at the earliest. */
  blockNumber: bigint;
  windows: SessionWindows;
};

/**
 * The claim step: once the session's serving window is over (and `claimAfterBlocks` more, so relays still
 * streaming at its end are recorded), mines the session and sends `claim` for every (application, model) with
 * a mined relay that neither the claim book nor the chain (`getClaim`, the source of truth) already has. A
 * claim found on chain is adopted, not sent again. Failed attempts are retried on the next block while a
 * transaction can still land in the window; once it cannot, every claim still missing on chain is recorded
 * as `failed` with the reason.
 *
 * @example
 * ```ts
 * await claimSession(context, { session, blockNumber, windows: sessionWindows(session, context.sessionParams) });
 * ```
 */
export async function claimSession(
  context: LifecycleContext,
  parameters: ClaimSessionParameters,
): Promise<void> {
  const { session, blockNumber, windows } = parameters;
  const canLand = blockNumber + 1n <= windows.claimEnd;
  const startAt = minimum(windows.claimStart + context.claimAfterBlocks, windows.claimEnd - 1n);
  if (blockNumber < windows.claimStart || (canLand && blockNumber < startAt)) return;

  const mined = await context.mine(session);
  const unclaimed = mined.claims.filter((claim) => !context.book.get(claim.claimKey));
  await forEachConcurrently(unclaimed, context.concurrency, async (claim) => {
    const onChain = await readOnChainClaim(context.publicClient, context.settlement, claim.claimKey);
    if (onChain) {
      if (onChain.root.hash !== claim.root.hash)
        context.logger.warn(
          {
            session: session.toString(),
            claimKey: claim.claimKey,
            onChain: onChain.root.hash,
            rebuilt: claim.root.hash,
          },
          "the claim on chain has another root than the one rebuilt from the records",
        );
      await context.book.put({
        ...stateOf(claim, session),
        root: onChain.root,
        status: "claimed",
        updatedAt: Date.now(),
      });
      context.inFlight.delete(`claim:${claim.claimKey}`);
      context.emit({ ...claimedEvent(claim, session), root: onChain.root, adopted: true });
      return;
    }
    const key = `claim:${claim.claimKey}`;
    if (!canLand) {
      const last = context.lastErrors.get(key);
      await context.fail(
        "claim",
        stateOf(claim, session),
        `claim window [${windows.claimStart}, ${windows.claimEnd}] closed (head block ${blockNumber}) before a claim landed` +
          (last ? `; last error: ${last}` : "; no attempt was made in time"),
      );
      return;
    }
    if (claim.root.sum === 0n) {
      await context.fail(
        "claim",
        stateOf(claim, session),
        "nothing to claim: the mined relays cost 0 (an empty claim reverts)",
      );
      return;
    }
    try {
      const receipt = await sendSettlementTransaction(context, {
        action: "claim",
        key,
        session,
        claimKey: claim.claimKey,
        write: () =>
          context.walletClient.writeContract({
            address: context.settlement,
            abi: aviarySettlementAbi,
            functionName: "claim",
            args: [claim.supplier, claim.application, claim.model, session, claim.root],
          }),
      });
      if (!receipt) return;
      await context.book.put({
        ...stateOf(claim, session),
        status: "claimed",
        transactionHash: receipt.transactionHash,
        updatedAt: Date.now(),
      });
      context.lastErrors.delete(key);
      context.emit({
        ...claimedEvent(claim, session),
        adopted: false,
        transactionHash: receipt.transactionHash,
      });
      context.logger.info(
        {
          session: session.toString(),
          claimKey: claim.claimKey,
          relays: claim.relays.length,
          sum: claim.root.sum.toString(),
        },
        "claimed",
      );
    } catch (error) {
      context.retry({ session, action: key, claimKey: claim.claimKey, error });
    }
  });
}

function minimum(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function stateOf(claim: MinedClaim, session: bigint) {
  return {
    claimKey: claim.claimKey,
    supplier: claim.supplier,
    application: claim.application,
    model: claim.model,
    session,
    root: claim.root,
  };
}

function claimedEvent(claim: MinedClaim, session: bigint) {
  return {
    type: "claimed" as const,
    session,
    claimKey: claim.claimKey,
    application: claim.application,
    model: claim.model,
    root: claim.root,
  };
}
