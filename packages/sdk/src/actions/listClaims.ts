import { aviarySettlementAbi, isProofRequired } from "@aviary/protocol";
import {
  type Address,
  type BlockNumber,
  type GetBlockErrorType,
  type GetContractEventsErrorType,
  type Hash,
  type Hex,
  type PublicClient,
  type ReadContractErrorType,
  zeroHash,
} from "viem";
import { type AviaryClaim, getClaim } from "./getClaim.ts";
import { getProofSeed } from "./getProofSeed.ts";
import { getSessionWindows } from "./getSessionWindows.ts";

/**
 * Where a claim is in its life (protocol.md §7):
 * - `claimed`: waiting for the proof seed (the claim window is still open or the proof window has not begun);
 * - `proof-required`: the proof window is open and this claim must be proven;
 * - `awaiting-settlement`: no proof is needed (or the window has passed without one being needed), not settled yet;
 * - `proven`: proven, not settled yet;
 * - `settled`: paid (see `payment`);
 * - `proof-missing`: a required proof never came: slashed at settlement (see `slashedAmount`), or about to be.
 */
export type ClaimStatus =
  | "claimed"
  | "proof-required"
  | "awaiting-settlement"
  | "proven"
  | "settled"
  | "proof-missing";

/** A claim with where it stands and, once settled, what it paid or cost. */
export type AviaryClaimEntry = AviaryClaim & {
  status: ClaimStatus;
  /** The block of the `Claimed` event. */
  claimedAt: bigint;
  transactionHash: Hash;
  /** Whether settlement will demand a proof; `undefined` before the proof seed block exists. */
  proofRequired: boolean | undefined;
  /** The session's windows (block numbers). */
  windows: { claimStart: bigint; claimEnd: bigint; proofStart: bigint; proofEnd: bigint; settleFrom: bigint };
  /** The relays proven for the claim (its `Proven` event): drawn by sum and by count (often the same). */
  provenRelayKeys: { sum: Hex; count: Hex } | undefined;
  /** What settlement paid and how it was split (status `settled`). */
  payment: { paid: bigint; toSource: bigint; toTreasury: bigint; toSupplier: bigint } | undefined;
  /** The collateral unlocked again at settlement (`CollateralReleased`). */
  collateralReleased: bigint | undefined;
  /** What was taken from the supplier's stake for the missing proof (`ProofMissing`; status `proof-missing`, once settled). */
  slashedAmount: bigint | undefined;
};

export type ListClaimsParameters = {
  /** The settlement contract. */
  settlement: Address;
  /** Only this supplier's claims. */
  supplier?: Address;
  /** Only claims against this application. */
  application?: Address;
  /** Only this session's claims. */
  session?: bigint;
  /** First block to scan (use the deployment block on long chains). @default 0n */
  fromBlock?: BlockNumber;
  /** Last block to scan; also the "now" statuses are computed at. @default the head */
  toBlock?: BlockNumber;
};
export type ListClaimsReturnType = AviaryClaimEntry[];
export type ListClaimsErrorType = GetContractEventsErrorType | ReadContractErrorType | GetBlockErrorType;

/**
 * Lists claims from the settlement's `Claimed` events, in claim order, each read back with `getClaim` and given
 * a status from the session's windows, the proof seed and the `Proven`, `Settled`, `CollateralReleased` and
 * `ProofMissing` events.
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement, optional filters and the block range.
 * @example
 * ```ts
 * for (const claim of await listClaims(publicClient, { settlement, application })) {
 *   console.log(claim.session, claim.status, claim.payment?.paid);
 * }
 * ```
 */
export async function listClaims(
  publicClient: PublicClient,
  parameters: ListClaimsParameters,
): Promise<ListClaimsReturnType> {
  const { settlement, fromBlock = 0n } = parameters;
  const head = parameters.toBlock ?? (await publicClient.getBlockNumber());
  const range = {
    address: settlement,
    abi: aviarySettlementAbi,
    fromBlock,
    toBlock: head,
    strict: true as const,
  };
  const claimed = (
    await publicClient.getContractEvents({
      ...range,
      eventName: "Claimed",
      args: {
        ...(parameters.supplier ? { supplier: parameters.supplier } : {}),
        ...(parameters.application ? { application: parameters.application } : {}),
      },
    })
  ).filter((event) => parameters.session === undefined || event.args.session === parameters.session);
  if (claimed.length === 0) return [];

  const [provenEvents, settledEvents, releasedEvents, missingEvents, settlementParams] = await Promise.all([
    publicClient.getContractEvents({ ...range, eventName: "Proven" }),
    publicClient.getContractEvents({ ...range, eventName: "Settled" }),
    publicClient.getContractEvents({ ...range, eventName: "CollateralReleased" }),
    publicClient.getContractEvents({ ...range, eventName: "ProofMissing" }),
    publicClient.readContract({ address: settlement, abi: aviarySettlementAbi, functionName: "params" }),
  ]);
  const proofs = new Map(
    provenEvents.map(({ args }) => [
      args.claimKey.toLowerCase(),
      { sum: args.sumRelayKey, count: args.countRelayKey },
    ]),
  );
  const payments = new Map(
    settledEvents.map(({ args }) => [
      args.claimKey.toLowerCase(),
      { paid: args.paid, toSource: args.toSource, toTreasury: args.toTreasury, toSupplier: args.toSupplier },
    ]),
  );
  const releases = new Map(releasedEvents.map(({ args }) => [args.claimKey.toLowerCase(), args.amount]));
  const slashes = new Map(missingEvents.map(({ args }) => [args.claimKey.toLowerCase(), args.slashed]));

  // Per session: its windows and its proof seed (stored, or the seed block's hash once that block exists).
  const sessions = new Map<
    bigint,
    Promise<{ windows: AviaryClaimEntry["windows"]; seed: Hex | undefined }>
  >();
  const sessionInfo = (session: bigint) => {
    let info = sessions.get(session);
    if (!info) {
      info = (async () => {
        const [{ claimStart, claimEnd, proofStart, proofEnd, settleFrom }, proofSeed] = await Promise.all([
          getSessionWindows(publicClient, { settlement, session }),
          getProofSeed(publicClient, { settlement, session, preview: true, blockNumber: head }),
        ]);
        const windows = { claimStart, claimEnd, proofStart, proofEnd, settleFrom };
        // Never stored in time: every claim of the session needs a proof (a zero seed says so).
        const seed = !proofSeed.stored && head > proofEnd ? zeroHash : proofSeed.seed;
        return { windows, seed };
      })();
      sessions.set(session, info);
    }
    return info;
  };

  const entries = await Promise.all(
    claimed.map(async (event): Promise<AviaryClaimEntry | undefined> => {
      const { claimKey, supplier, application, model, session } = event.args;
      const [stored, { windows, seed }] = await Promise.all([
        getClaim(publicClient, { settlement, claimKey, blockNumber: head }),
        sessionInfo(session),
      ]);
      // A Claimed event whose claim is gone (a reorganisation between the two reads): left out.
      if (!stored) return undefined;
      const proofRequired =
        seed === undefined
          ? undefined
          : isProofRequired({
              amount: stored.amount,
              proofThreshold: settlementParams.proofThreshold,
              proofSeed: seed,
              claimKey,
              proofProbabilityWad: settlementParams.proofProbabilityWad,
            });
      const key = claimKey.toLowerCase();
      const payment = payments.get(key);
      const slashedAmount = slashes.get(key);
      let status: ClaimStatus;
      if (stored.slashed || slashedAmount !== undefined) status = "proof-missing";
      else if (payment !== undefined) status = "settled";
      else if (stored.proven) status = "proven";
      else if (head < windows.proofStart || proofRequired === undefined) status = "claimed";
      else if (proofRequired) status = head <= windows.proofEnd ? "proof-required" : "proof-missing";
      else status = "awaiting-settlement";
      return {
        ...stored,
        supplier,
        application,
        model,
        session,
        status,
        claimedAt: event.blockNumber,
        transactionHash: event.transactionHash,
        proofRequired,
        windows,
        provenRelayKeys: proofs.get(key),
        // A slashed claim's Settled event reports zeros: not a payment.
        payment: stored.slashed ? undefined : payment,
        collateralReleased: releases.get(key),
        slashedAmount,
      };
    }),
  );
  return entries.filter((entry) => entry !== undefined);
}
