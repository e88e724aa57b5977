import { proveClaim, type SessionWindows } from "@aviary/protocol";
import { getClaim, getProofRequired, getProofSeed, type LeafProof, prove, recordSeed } from "@aviary/sdk";
import type { Hex } from "viem";
import type { ClaimState } from "../store/RelayStore.ts";
import { forEachConcurrently } from "./forEachConcurrently.ts";
import type { MinedClaim } from "./mineSession.ts";
import { sendSettlementTransaction } from "./sendSettlementTransaction.ts";
import type { LifecycleContext } from "./types.ts";

export type ProveSessionParameters = {
  session: bigint;
  /** The head block: a transaction sent now lands in `blockNumber + 1` at the earliest. */
  blockNumber: bigint;
  windows: SessionWindows;
};

/**
 * The proof step, for the session's `claimed` claims, once the proof seed block exists. While a transaction
 * can still land in the proof window: stores the proof seed with `recordSeed` if nobody has (without it every
 * claim of the session would count as requiring a proof), then asks the contract's `isProofRequired` for
 * each claim and proves the required ones with the two weighted proofs `proveClaim(trie, { proofSeed, claimKey })`
 * draws (the leaf drawn by sum and the one drawn by count, sent once when they are the same) from the trie
 * rebuilt from the records, which must match the claimed root; the others become `not-required`. A claim
 * already proven on chain is adopted, not proven again. After the window: what the chain says decides
 * (`proven`, `not-required`, or `failed` with the reason — such a claim is not settled by this node, since
 * settling it would slash its own stake).
 *
 * @example
 * ```ts
 * await proveSession(context, { session, blockNumber, windows: sessionWindows(session, context.sessionParams) });
 * ```
 */
export async function proveSession(
  context: LifecycleContext,
  parameters: ProveSessionParameters,
): Promise<void> {
  const { session, blockNumber, windows } = parameters;
  const claimed = context.book.forSession(session).filter((state) => state.status === "claimed");
  if (claimed.length === 0 || blockNumber < windows.proofSeedBlock) return;
  const canLand = blockNumber + 1n <= windows.proofEnd;

  let proofSeed = await readProofSeed(context, session);
  const seedKey = `record-seed:${session}`;
  if (proofSeed !== undefined) context.inFlight.delete(seedKey);
  if (canLand && proofSeed === undefined) {
    const key = seedKey;
    try {
      const sent = await sendSettlementTransaction(context, {
        action: "record-seed",
        key,
        session,
        send: (clients, options) =>
          recordSeed(clients, { ...options, settlement: context.settlement, session }),
      });
      if (!sent) return;
      context.lastErrors.delete(key);
      context.logger.info(
        { session: session.toString(), transactionHash: sent.receipt.transactionHash },
        "proof seed recorded",
      );
    } catch (error) {
      context.retry({ session, action: key, error });
      return;
    }
    proofSeed = await readProofSeed(context, session);
    if (proofSeed === undefined) return;
  }

  await forEachConcurrently(claimed, context.concurrency, async (state) => {
    const onChain = await getClaim(context.publicClient, {
      settlement: context.settlement,
      claimKey: state.claimKey,
    });
    if (!onChain) {
      await context.fail(
        "proof",
        state,
        "the claim is not on chain (another chain, or a reorganisation dropped it)",
      );
      return;
    }
    if (onChain.proven) {
      await put(context, state, "proven");
      context.inFlight.delete(`prove:${state.claimKey}`);
      context.emit({ type: "proven", session, claimKey: state.claimKey, adopted: true });
      return;
    }
    const key = `prove:${state.claimKey}`;
    if (!canLand || proofSeed === undefined) {
      // The window is over: only the chain's verdict is left.
      if (proofSeed !== undefined && !(await isProofRequired(context, state.claimKey))) {
        await markNotRequired(context, state);
        return;
      }
      const last = context.lastErrors.get(key);
      await context.fail(
        "proof",
        state,
        proofSeed === undefined
          ? `proof window [${windows.proofStart}, ${windows.proofEnd}] closed (head block ${blockNumber}) and the proof seed was never stored, so the claim counts as requiring a proof`
          : `proof window [${windows.proofStart}, ${windows.proofEnd}] closed (head block ${blockNumber}) without the required proof` +
              (last ? `; last error: ${last}` : "; no attempt was made in time"),
      );
      return;
    }
    if (!(await isProofRequired(context, state.claimKey))) {
      await markNotRequired(context, state);
      return;
    }

    const mined = await context.mine(session);
    const claim = mined.claims.find(
      (candidate) => candidate.claimKey.toLowerCase() === state.claimKey.toLowerCase(),
    );
    if (!claim || claim.root.hash !== onChain.root.hash) {
      await context.fail(
        "proof",
        state,
        claim
          ? `the trie rebuilt from the records (root ${claim.root.hash}) is not the claimed one (${onChain.root.hash}): cannot prove`
          : "the records of this claim are gone from the store: cannot prove",
      );
      return;
    }
    const proofs = leafProofs(claim, proofSeed, state.claimKey);
    if (!Array.isArray(proofs)) {
      await context.fail("proof", state, `the drawn leaf ${proofs.missing} is not among the mined records`);
      return;
    }
    try {
      const sent = await sendSettlementTransaction(context, {
        action: "prove",
        key,
        session,
        claimKey: state.claimKey,
        send: (clients, options) =>
          prove(clients, { ...options, settlement: context.settlement, claimKey: state.claimKey, proofs }),
      });
      if (!sent) return;
      await put(context, state, "proven", sent.receipt.transactionHash);
      context.lastErrors.delete(key);
      const relayKeys = sent.result
        ? { sum: sent.result.sumRelayKey, count: sent.result.countRelayKey }
        : undefined;
      context.emit({
        type: "proven",
        session,
        claimKey: state.claimKey,
        adopted: false,
        ...(relayKeys ? { relayKeys } : {}),
        transactionHash: sent.receipt.transactionHash,
      });
      context.logger.info(
        { session: session.toString(), claimKey: state.claimKey, proofs: proofs.length, ...relayKeys },
        "proven",
      );
    } catch (error) {
      context.retry({ session, action: key, claimKey: state.claimKey, error });
    }
  });
}

/**
 * The one or two leaf proofs `prove` takes: the leaves `proveClaim` draws by sum and by count, each with its
 * signed relay from the records.
 */
function leafProofs(claim: MinedClaim, proofSeed: Hex, claimKey: Hex): LeafProof[] | { missing: Hex } {
  const proofs: LeafProof[] = [];
  for (const proof of proveClaim(claim.trie, { proofSeed, claimKey })) {
    const relay = claim.relayOf(proof.key);
    if (!relay) return { missing: proof.key };
    proofs.push({
      leaf: {
        request: relay.request,
        requestSignature: relay.requestSignature,
        receipt: relay.receipt,
        receiptSignature: relay.receiptSignature,
      },
      sideNodes: proof.sideNodes,
      emptyMask: proof.emptyMask,
    });
  }
  return proofs;
}

async function readProofSeed(context: LifecycleContext, session: bigint): Promise<Hex | undefined> {
  return (await getProofSeed(context.publicClient, { settlement: context.settlement, session })).seed;
}

function isProofRequired(context: LifecycleContext, claimKey: Hex): Promise<boolean> {
  return getProofRequired(context.publicClient, { settlement: context.settlement, claimKey });
}

async function markNotRequired(context: LifecycleContext, state: ClaimState): Promise<void> {
  await put(context, state, "not-required");
  context.emit({ type: "not-required", session: state.session, claimKey: state.claimKey });
  context.logger.info({ session: state.session.toString(), claimKey: state.claimKey }, "no proof required");
}

async function put(
  context: LifecycleContext,
  state: ClaimState,
  status: ClaimState["status"],
  transactionHash?: Hex,
): Promise<void> {
  const next: ClaimState = { ...state, status, updatedAt: Date.now() };
  if (transactionHash) next.transactionHash = transactionHash;
  delete next.error;
  await context.book.put(next);
}
