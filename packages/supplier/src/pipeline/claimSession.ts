import { claimAmount, claimCollateral, type SessionWindows } from "@aviary/protocol";
import { getClaim, getSupplierCollateral, claim as sendClaim } from "@aviary/sdk";
import { forEachConcurrently } from "./forEachConcurrently.ts";
import type { MinedClaim } from "./mineSession.ts";
import { sendSettlementTransaction } from "./sendSettlementTransaction.ts";
import type { LifecycleContext } from "./types.ts";

export type ClaimSessionParameters = {
  session: bigint;
  /** The head block: a transaction sent now lands in `blockNumber + 1` at the earliest. */
  blockNumber: bigint;
  windows: SessionWindows;
};

/**
 * The claim step: once the session's serving window is over and its mining seed block exists (and
 * `claimAfterBlocks` more, so relays still streaming at its end are recorded), mines the session and sends
 * `claim` for every (application, model) with a mined relay that neither the claim book nor the chain
 * (`getClaim`, the source of truth) already has. A claim found on chain is adopted, not sent again.
 *
 * Collateral: a claim locks `claimCollateral(amount)` of the supplier's unlocked stake, and the contract refuses
 * it (`InsufficientCollateral`) when that stake is short. So before sending, the unlocked stake is read once
 * (`supplierCollateral`) and the claims are admitted largest amount first (the most paid per token locked),
 * each taking its collateral from what is left; a claim that does not fit is not sent: it is logged with what it
 * needs and what is available (and reported as an `insufficient-collateral` event), and tried again on the next
 * block (settlements release collateral, the owner may stake more).
 *
 * Failed attempts are retried on the next block while a transaction can still land in the window; once it
 * cannot, every claim still missing on chain is recorded as `failed` with the reason.
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
  if (unclaimed.length === 0) return;

  // First what the chain already has (adopted), so that the collateral read below counts it.
  const missing: MinedClaim[] = [];
  await forEachConcurrently(unclaimed, context.concurrency, async (claim) => {
    const onChain = await getClaim(context.publicClient, {
      settlement: context.settlement,
      claimKey: claim.claimKey,
    });
    if (!onChain) {
      missing.push(claim);
      return;
    }
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
  });
  if (missing.length === 0) return;

  if (!canLand) {
    for (const claim of missing) {
      const last = context.lastErrors.get(`claim:${claim.claimKey}`);
      await context.fail(
        "claim",
        stateOf(claim, session),
        `claim window [${windows.claimStart}, ${windows.claimEnd}] closed (head block ${blockNumber}) before a claim landed` +
          (last ? `; last error: ${last}` : "; no attempt was made in time"),
      );
    }
    return;
  }

  const toSend: MinedClaim[] = [];
  for (const claim of missing) {
    if (claim.root.sum === 0n)
      await context.fail(
        "claim",
        stateOf(claim, session),
        "nothing to claim: the mined relays cost 0 (an empty claim reverts)",
      );
    else toSend.push(claim);
  }
  if (toSend.length === 0) return;

  const admitted = await admitByCollateral(context, session, toSend);
  await forEachConcurrently(admitted, context.concurrency, async (claim) => {
    const key = `claim:${claim.claimKey}`;
    try {
      const sent = await sendSettlementTransaction(context, {
        action: "claim",
        key,
        session,
        claimKey: claim.claimKey,
        send: (clients, options) =>
          sendClaim(clients, {
            ...options,
            settlement: context.settlement,
            supplier: claim.supplier,
            application: claim.application,
            model: claim.model,
            session,
            root: claim.root,
          }),
      });
      if (!sent) return;
      const { transactionHash } = sent.receipt;
      await context.book.put({
        ...stateOf(claim, session),
        status: "claimed",
        transactionHash,
        updatedAt: Date.now(),
      });
      context.lastErrors.delete(key);
      context.emit({ ...claimedEvent(claim, session), adopted: false, transactionHash });
      context.logger.info(
        {
          session: session.toString(),
          claimKey: claim.claimKey,
          relays: claim.relays.length,
          sum: claim.root.sum.toString(),
          ...(sent.result ? { collateral: sent.result.collateral.toString() } : {}),
        },
        "claimed",
      );
    } catch (error) {
      context.retry({ session, action: key, claimKey: claim.claimKey, error });
    }
  });
}

/**
 * The claims whose collateral the supplier's unlocked stake covers, largest amount first, each taking its share
 * before the next is looked at; the others are logged and reported, and wait for the next block.
 */
async function admitByCollateral(
  context: LifecycleContext,
  session: bigint,
  claims: MinedClaim[],
): Promise<MinedClaim[]> {
  let available: bigint;
  let missingProofPenalty: bigint;
  try {
    [{ unlocked: available }, missingProofPenalty] = await Promise.all([
      getSupplierCollateral(context.publicClient, { registry: context.registry, supplier: context.supplier }),
      context.missingProofPenalty(),
    ]);
  } catch (error) {
    context.retry({ session, action: `collateral:${session}`, error });
    return [];
  }
  context.lastErrors.delete(`collateral:${session}`);
  const priced = claims
    .map((claim) => {
      const amount = claimAmount(claim.root.sum, claim.probabilityWad);
      return { claim, amount, required: claimCollateral({ amount, missingProofPenalty }) };
    })
    .sort((a, b) => (a.amount > b.amount ? -1 : a.amount < b.amount ? 1 : 0));
  const admitted: MinedClaim[] = [];
  for (const { claim, amount, required } of priced) {
    if (required <= available) {
      available -= required;
      admitted.push(claim);
      continue;
    }
    const reason = `insufficient collateral: the claim locks ${required} (max(missingProofPenalty, amount ${amount})) but only ${available} of the supplier's stake is unlocked`;
    // Retried every block of the claim window: say it again only when the figures change.
    if (context.lastErrors.get(`claim:${claim.claimKey}`) === reason) continue;
    context.lastErrors.set(`claim:${claim.claimKey}`, reason);
    context.logger.warn(
      {
        session: session.toString(),
        claimKey: claim.claimKey,
        application: claim.application,
        model: claim.model,
        amount: amount.toString(),
        required: required.toString(),
        available: available.toString(),
      },
      `claim not sent: ${reason}; stake more or wait for settlements to release collateral`,
    );
    context.emit({
      type: "insufficient-collateral",
      session,
      claimKey: claim.claimKey,
      required,
      available,
    });
  }
  return admitted;
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
