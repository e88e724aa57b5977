import { SessionParamsInvalidError } from "../errors/sessions.ts";

/** The registry's session parameters (protocol.md §3). Devnet: `{ sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 }`. */
export type SessionParams = {
  /** L: blocks per session (≥ 1). */
  sessionBlocks: bigint | number;
  /** g: blocks after a session's last block during which its relays are still served. */
  graceBlocks: bigint | number;
  /** c: length of the claim window (≥ 1, and `graceBlocks + 1 + claimBlocks ≤ sessionBlocks`). */
  claimBlocks: bigint | number;
  /** pf: length of the proof window (≥ 1, and `claimBlocks + proofBlocks < 256`: both seeds stay within blockhash reach). */
  proofBlocks: bigint | number;
};

/** Parameters as bigint, validated. Internal. */
export type NormalizedSessionParams = { L: bigint; g: bigint; c: bigint; pf: bigint };

/**
 * Validates and converts session parameters with the registry's rules (throws {@link SessionParamsInvalidError}):
 * L ≥ 1, c ≥ 1, pf ≥ 1, g + 1 + c ≤ L, c + pf < 256. Internal.
 */
export function normalizeSessionParams(params: SessionParams): NormalizedSessionParams {
  const L = toBig(params.sessionBlocks, "sessionBlocks");
  const g = toBig(params.graceBlocks, "graceBlocks");
  const c = toBig(params.claimBlocks, "claimBlocks");
  const pf = toBig(params.proofBlocks, "proofBlocks");
  if (L < 1n) throw new SessionParamsInvalidError({ reason: "sessionBlocks must be at least 1" });
  if (c < 1n) throw new SessionParamsInvalidError({ reason: "claimBlocks must be at least 1" });
  if (pf < 1n) throw new SessionParamsInvalidError({ reason: "proofBlocks must be at least 1" });
  if (g + 1n + c > L)
    throw new SessionParamsInvalidError({
      reason: "graceBlocks + 1 + claimBlocks must be at most sessionBlocks",
    });
  if (c + pf >= 256n)
    throw new SessionParamsInvalidError({
      reason: "claimBlocks + proofBlocks must be below 256 (blockhash reach)",
    });
  return { L, g, c, pf };
}

/** A non-negative integer (bigint or safe number) as bigint, else {@link SessionParamsInvalidError}. Internal. */
export function toBig(value: bigint | number, name: string): bigint {
  if (typeof value === "bigint" && value >= 0n) return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new SessionParamsInvalidError({
    reason: `${name} must be a non-negative integer (got ${String(value)})`,
  });
}
