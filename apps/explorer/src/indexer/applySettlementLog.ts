import { type aviarySettlementAbi, isProofRequired } from "@aviary/protocol";
import type { GetContractEventsReturnType, Hex } from "viem";
import type { ExplorerState, IndexedClaim, IndexedSession } from "./types.ts";

/** A decoded log of the settlement contract. */
export type SettlementLog = GetContractEventsReturnType<typeof aviarySettlementAbi, undefined, true>[number];

/**
 * Applies one settlement event to the index: seeds, claims (with their collateral), proofs (both drawn
 * leaves), settlements, released collateral, slashes (missing proofs, equivocation reports) and difficulty
 * updates. Whether a claim needs a proof is decided, as the contract does, once its session's proof seed is
 * on chain. An equivocation is linked to the claim whose proof showed its relay, whichever came first.
 *
 * @example
 * ```ts
 * for (const log of logs) applySettlementLog(state, log);
 * ```
 */
export function applySettlementLog(state: ExplorerState, log: SettlementLog): void {
  switch (log.eventName) {
    case "MiningSeedRecorded":
      sessionOf(state, log.args.session).miningSeed = log.args.seed;
      return;
    case "ProofSeedRecorded": {
      const session = sessionOf(state, log.args.session);
      session.proofSeed = log.args.seed;
      for (const key of session.claimKeys) {
        const claim = state.claims.get(key);
        if (claim) decideProof(state, claim, log.args.seed);
      }
      return;
    }
    case "Claimed": {
      const { args } = log;
      const claim: IndexedClaim = {
        claimKey: args.claimKey,
        supplier: args.supplier,
        application: args.application,
        model: args.model,
        session: args.session,
        rootHash: args.rootHash,
        rootSum: args.rootSum,
        rootCount: args.rootCount,
        amount: args.amount,
        collateral: args.collateral,
        claimedAt: log.blockNumber,
        claimTransaction: log.transactionHash,
        proofRequired: undefined,
        proof: undefined,
        collateralReleased: undefined,
        settlement: undefined,
        proofMissing: undefined,
      };
      state.claims.set(args.claimKey, claim);
      const session = sessionOf(state, args.session);
      session.claimKeys.push(args.claimKey);
      if (session.proofSeed) decideProof(state, claim, session.proofSeed);
      return;
    }
    case "Proven": {
      const { claimKey, sumRelayKey, countRelayKey } = log.args;
      const claim = state.claims.get(claimKey);
      if (claim) {
        claim.proof = {
          sumRelayKey,
          countRelayKey,
          block: log.blockNumber,
          transaction: log.transactionHash,
        };
      }
      for (const relayKey of [sumRelayKey, countRelayKey]) {
        state.provenRelays.set(relayKey.toLowerCase(), claimKey);
        for (const slash of state.slashes) {
          if (slash.claimKey === undefined && slash.relayKey?.toLowerCase() === relayKey.toLowerCase())
            slash.claimKey = claimKey;
        }
      }
      return;
    }
    case "CollateralReleased": {
      const claim = state.claims.get(log.args.claimKey);
      if (claim) claim.collateralReleased = { amount: log.args.amount, block: log.blockNumber };
      return;
    }
    case "ProofMissing": {
      const claim = state.claims.get(log.args.claimKey);
      if (claim) {
        claim.proofMissing = { slashed: log.args.slashed };
        claim.proofRequired = true;
      }
      state.slashes.push({
        supplier: log.args.supplier,
        reason: "missing proof",
        claimKey: log.args.claimKey,
        relayKey: undefined,
        amount: log.args.slashed,
        block: log.blockNumber,
        transaction: log.transactionHash,
      });
      return;
    }
    case "Settled": {
      const claim = state.claims.get(log.args.claimKey);
      if (claim) {
        claim.settlement = {
          paid: log.args.paid,
          toSource: log.args.toSource,
          toTreasury: log.args.toTreasury,
          toSupplier: log.args.toSupplier,
          block: log.blockNumber,
          transaction: log.transactionHash,
        };
        // Paid without a proof: the contract did not require one.
        if (!claim.proof && !claim.proofMissing) claim.proofRequired = false;
      }
      return;
    }
    case "EquivocationReported":
      state.equivocations.push({
        relayKey: log.args.relayKey,
        supplier: log.args.supplier,
        reporter: log.args.reporter,
        slashed: log.args.slashed,
        reward: log.args.reward,
        block: log.blockNumber,
        transaction: log.transactionHash,
      });
      state.slashes.push({
        supplier: log.args.supplier,
        reason: "equivocation",
        claimKey: state.provenRelays.get(log.args.relayKey.toLowerCase()),
        relayKey: log.args.relayKey,
        amount: log.args.slashed,
        block: log.blockNumber,
        transaction: log.transactionHash,
      });
      return;
    case "DifficultyUpdated": {
      state.difficultyUpdates.push({
        model: log.args.model,
        dataSession: log.args.dataSession,
        effectiveSession: log.args.effectiveSession,
        emaWad: log.args.emaWad,
        probabilityWad: log.args.probabilityWad,
        block: log.blockNumber,
      });
      const model = state.models.get(log.args.model);
      if (model) model.probabilityWad = log.args.probabilityWad;
      return;
    }
    default:
      return;
  }
}

function sessionOf(state: ExplorerState, number: bigint): IndexedSession {
  let session = state.sessions.get(number);
  if (!session) {
    session = { session: number, miningSeed: undefined, proofSeed: undefined, claimKeys: [] };
    state.sessions.set(number, session);
  }
  return session;
}

function decideProof(state: ExplorerState, claim: IndexedClaim, proofSeed: Hex): void {
  if (!state.params || claim.proofMissing) return;
  claim.proofRequired = isProofRequired({
    amount: claim.amount,
    proofThreshold: state.params.proofThreshold,
    proofSeed,
    claimKey: claim.claimKey,
    proofProbabilityWad: state.params.proofProbabilityWad,
  });
}
