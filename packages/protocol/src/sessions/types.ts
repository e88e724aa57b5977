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

/** One broken rule of the session parameters: the field it is reported on, and why. */
export type SessionParamsProblem = { field: keyof SessionParams; message: string };

/**
 * Every rule of the registry's constructor that the session parameters break (protocol.md §3): L ≥ 1, c ≥ 1,
 * pf ≥ 1, g + 1 + c ≤ L (a claim window ends inside the next session), c + pf < 256 (both seeds stay within
 * blockhash's reach). Empty when they can be deployed. `aviary deploy` reports them all at once.
 *
 * @example
 * ```ts
 * sessionParamsProblems({ L: 20n, g: 4n, c: 8n, pf: 8n }); // []
 * ```
 */
export function sessionParamsProblems({ L, g, c, pf }: NormalizedSessionParams): SessionParamsProblem[] {
  const problems: SessionParamsProblem[] = [];
  if (L < 1n) problems.push({ field: "sessionBlocks", message: "must be at least 1" });
  if (c < 1n) problems.push({ field: "claimBlocks", message: "must be at least 1" });
  if (pf < 1n) problems.push({ field: "proofBlocks", message: "must be at least 1" });
  if (g + 1n + c > L)
    problems.push({
      field: "graceBlocks",
      message: `graceBlocks + 1 + claimBlocks (${g + 1n + c}) must be at most sessionBlocks (${L}): a session's claim window must end inside the next session`,
    });
  if (c + pf >= 256n)
    problems.push({
      field: "proofBlocks",
      message: `claimBlocks + proofBlocks (${c + pf}) must be below 256: both seeds must stay within blockhash's 256-block reach`,
    });
  return problems;
}

/**
 * Validates and converts session parameters with the registry's rules (throws {@link SessionParamsInvalidError}
 * with the first of {@link sessionParamsProblems}). Internal.
 */
export function normalizeSessionParams(params: SessionParams): NormalizedSessionParams {
  const normalized = {
    L: toBig(params.sessionBlocks, "sessionBlocks"),
    g: toBig(params.graceBlocks, "graceBlocks"),
    c: toBig(params.claimBlocks, "claimBlocks"),
    pf: toBig(params.proofBlocks, "proofBlocks"),
  };
  const [problem] = sessionParamsProblems(normalized);
  if (problem) throw new SessionParamsInvalidError({ reason: `${problem.field}: ${problem.message}` });
  return normalized;
}

/** A non-negative integer (bigint or safe number) as bigint, else {@link SessionParamsInvalidError}. Internal. */
export function toBig(value: bigint | number, name: string): bigint {
  if (typeof value === "bigint" && value >= 0n) return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new SessionParamsInvalidError({
    reason: `${name} must be a non-negative integer (got ${String(value)})`,
  });
}
