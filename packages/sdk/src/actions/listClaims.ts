import { aviarySettlementAbi, isProofRequired } from "@aviary/protocol";
import type {
  Address,
  BlockNumber,
  GetBlockErrorType,
  GetContractEventsErrorType,
  Hash,
  Hex,
  PublicClient,
  ReadContractErrorType,
} from "viem";
import type { AviaryClaim } from "./getClaim.ts";

/**
 * Where a claim is in its life (protocol.md §7):
 * - `claimed`: waiting for the proof seed (the claim window is still open or the proof window has not begun);
 * - `proof-required`: the proof window is open and this claim must be proven;
 * - `awaiting-settlement`: no proof is needed (or the window has passed without one being needed), not settled yet;
 * - `proven`: proven, not settled yet;
 * - `settled`: paid (see `payment`);
 * - `proof-missing`: a required proof never came: slashed at settlement (see `slashed`), or about to be.
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
  /** What settlement paid and how it was split (status `settled`). */
  payment: { paid: bigint; toSource: bigint; toTreasury: bigint; toSupplier: bigint } | undefined;
  /** What was taken from the supplier's stake for the missing proof (status `proof-missing`, once settled). */
  slashed: bigint | undefined;
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

const zeroSeed = /^0x0{64}$/;

/**
 * Lists claims from the settlement's `Claimed` events, in claim order, each read back with `getClaim` and given
 * a status from the session's windows, the proof seed and the `Settled` / `ProofMissing` events.
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

  const [settledEvents, missingEvents, settlementParams] = await Promise.all([
    publicClient.getContractEvents({ ...range, eventName: "Settled" }),
    publicClient.getContractEvents({ ...range, eventName: "ProofMissing" }),
    publicClient.readContract({ address: settlement, abi: aviarySettlementAbi, functionName: "params" }),
  ]);
  const payments = new Map(settledEvents.map((event) => [event.args.claimKey, event.args]));
  const slashes = new Map(missingEvents.map((event) => [event.args.claimKey, event.args.slashed]));

  // Per session: its windows and its proof seed (stored, or the seed block's hash once that block exists).
  const sessions = new Map<
    bigint,
    Promise<{ windows: AviaryClaimEntry["windows"]; seed: Hex | undefined }>
  >();
  const sessionInfo = (session: bigint) => {
    let info = sessions.get(session);
    if (!info) {
      info = (async () => {
        const [[claimStart, claimEnd, proofStart, proofEnd, settleFrom], stored] = await Promise.all([
          publicClient.readContract({
            address: settlement,
            abi: aviarySettlementAbi,
            functionName: "windows",
            args: [session],
          }),
          publicClient.readContract({
            address: settlement,
            abi: aviarySettlementAbi,
            functionName: "proofSeed",
            args: [session],
          }),
        ]);
        const windows = { claimStart, claimEnd, proofStart, proofEnd, settleFrom };
        const seedBlock = proofStart - 1n;
        let seed: Hex | undefined;
        if (!zeroSeed.test(stored)) seed = stored;
        else if (head > proofEnd)
          seed = stored; // never stored in time: every claim of the session needs a proof
        else if (head >= seedBlock) seed = (await publicClient.getBlock({ blockNumber: seedBlock })).hash;
        return { windows, seed };
      })();
      sessions.set(session, info);
    }
    return info;
  };

  return Promise.all(
    claimed.map(async (event): Promise<AviaryClaimEntry> => {
      const { claimKey, supplier, application, model, session } = event.args;
      const [stored, { windows, seed }] = await Promise.all([
        publicClient.readContract({
          address: settlement,
          abi: aviarySettlementAbi,
          functionName: "getClaim",
          args: [claimKey],
        }),
        sessionInfo(session),
      ]);
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
      const payment = payments.get(claimKey);
      const slashed = slashes.get(claimKey);
      let status: ClaimStatus;
      if (slashed !== undefined) status = "proof-missing";
      else if (payment !== undefined) status = "settled";
      else if (stored.proven) status = "proven";
      else if (head < windows.proofStart || proofRequired === undefined) status = "claimed";
      else if (proofRequired) status = head <= windows.proofEnd ? "proof-required" : "proof-missing";
      else status = "awaiting-settlement";
      return {
        claimKey,
        supplier,
        application,
        model,
        session,
        root: { hash: stored.root.hash, sum: stored.root.sum, count: stored.root.count },
        amount: stored.amount,
        proven: stored.proven,
        settled: stored.settled,
        status,
        claimedAt: event.blockNumber,
        transactionHash: event.transactionHash,
        proofRequired,
        windows,
        payment:
          payment === undefined
            ? undefined
            : {
                paid: payment.paid,
                toSource: payment.toSource,
                toTreasury: payment.toTreasury,
                toSupplier: payment.toSupplier,
              },
        slashed,
      };
    }),
  );
}
