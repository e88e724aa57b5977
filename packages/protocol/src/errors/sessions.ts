import { BaseError } from "./BaseError.ts";

/**
 * Session parameters are unusable (e.g. `sessionBlocks` = 0, negative block counts).
 *
 * @example
 * ```ts
 * throw new SessionParamsInvalidError({ reason: "sessionBlocks must be at least 1" });
 * ```
 */
export class SessionParamsInvalidError extends BaseError {
  override name = "SessionParamsInvalidError";
  constructor({ reason }: { reason: string }) {
    super(`Invalid session parameters: ${reason}.`);
  }
}
