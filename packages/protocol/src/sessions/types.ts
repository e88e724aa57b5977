import { SessionParamsInvalidError } from "../errors/sessions.ts";

/** The registry's session parameters (protocol.md §3). Devnet: `{ sessionBlocks: 20, graceBlocks: 4, claimBlocks: 8, proofBlocks: 8 }`. */
export type SessionParams = {
  /** L: blocks per session (≥ 1). */
  sessionBlocks: bigint | number;
  /** g: blocks after a session's last block during which its relays are still served. */
  graceBlocks: bigint | number;
  /** c: length of the claim window (1..256: the mining seed's blockhash must stay reachable). */
  claimBlocks: bigint | number;
  /** pf: length of the proof window (1..255: it must end < 256 blocks after the proof seed block). */
  proofBlocks: bigint | number;
};

/** Parameters as bigint, validated. Internal. */
export type NormalizedSessionParams = { L: bigint; g: bigint; c: bigint; pf: bigint };

/** Validates and converts session parameters (throws {@link SessionParamsInvalidError}). Internal. */
export function normalizeSessionParams(params: SessionParams): NormalizedSessionParams {
  const L = toBig(params.sessionBlocks, "sessionBlocks");
  const g = toBig(params.graceBlocks, "graceBlocks");
  const c = toBig(params.claimBlocks, "claimBlocks");
  const pf = toBig(params.proofBlocks, "proofBlocks");
  if (L < 1n) throw new SessionParamsInvalidError({ reason: "sessionBlocks must be at least 1" });
  if (c < 1n || c > 256n) throw new SessionParamsInvalidError({ reason: "claimBlocks must be in [1, 256]" });
  if (pf < 1n || pf > 255n)
    throw new SessionParamsInvalidError({ reason: "proofBlocks must be in [1, 255]" });
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
