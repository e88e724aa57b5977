/**
 * What getMiningSeed and getProofSeed share: the stored seed, or a preview of it from its block's hash.
 * Internal: the actions document it.
 * @module
 */
import { aviarySettlementAbi } from "@aviary/protocol";
import type { Address, Hex, PublicClient } from "viem";
import { getSessionWindows } from "../getSessionWindows.ts";

const zeroHash = /^0x0{64}$/;

export type SessionSeedParameters = {
  /** The settlement contract. */
  settlement: Address;
  session: bigint;
  /**
   * When the seed is not stored: the hash of its seed block once that block exists (what the contract stores,
   * or would have stored). @default false
   */
  preview?: boolean;
  /** Read as of this block (and preview as if it were the head). @default the latest */
  blockNumber?: bigint;
};
export type SessionSeedReturnType = {
  /** The seed, or `undefined` when it is not stored (and not previewed). */
  seed: Hex | undefined;
  /** Whether `seed` is the stored one (false: a preview). */
  stored: boolean;
};

export async function readSessionSeed(
  publicClient: PublicClient,
  parameters: SessionSeedParameters & { kind: "miningSeed" | "proofSeed" },
): Promise<SessionSeedReturnType> {
  const { settlement, session, kind, blockNumber } = parameters;
  const stored = await publicClient.readContract({
    address: settlement,
    abi: aviarySettlementAbi,
    functionName: kind,
    args: [session],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
  if (!zeroHash.test(stored)) return { seed: stored, stored: true };
  if (!parameters.preview) return { seed: undefined, stored: false };
  const [windows, head] = await Promise.all([
    getSessionWindows(publicClient, { settlement, session }),
    blockNumber ?? publicClient.getBlockNumber({ cacheTime: 0 }),
  ]);
  const seedBlock = kind === "miningSeed" ? windows.miningSeedBlock : windows.proofSeedBlock;
  if (head < seedBlock) return { seed: undefined, stored: false };
  const block = await publicClient.getBlock({ blockNumber: seedBlock });
  return { seed: block.hash ?? undefined, stored: false };
}
