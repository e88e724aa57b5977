/**
 * Errors of the session lifecycle, in one file (each is a constructor and a message).
 * @module
 */
import { BaseError } from "@aviary/protocol";
import type { Hex } from "viem";
import { describeError } from "./describeError.ts";

/** The settlement calls the lifecycle sends. */
export type LifecycleAction = "claim" | "record-seed" | "prove" | "settle";

/**
 * A settlement transaction could not be sent, was not seen mined in time, or reverted. Retryable: the
 * lifecycle tries again on the next block while the window is open, after re-reading the chain.
 *
 * @example
 * ```ts
 * throw new SettlementTransactionError({ action: "claim", stage: "send", cause: error });
 * ```
 */
export class SettlementTransactionError extends BaseError {
  override name = "SettlementTransactionError";
  readonly action: LifecycleAction;
  readonly stage: "send" | "wait" | "reverted";
  readonly transactionHash: Hex | undefined;
  constructor({
    action,
    stage,
    transactionHash,
    cause,
  }: {
    action: LifecycleAction;
    stage: "send" | "wait" | "reverted";
    transactionHash?: Hex;
    cause?: unknown;
  }) {
    const what =
      stage === "send"
        ? `Could not send the ${action} transaction`
        : stage === "wait"
          ? `The ${action} transaction was not seen mined in time`
          : `The ${action} transaction reverted`;
    super(`${what}${cause === undefined ? "" : `: ${describeError(cause)}`}.`, {
      cause,
      metaMessages: transactionHash ? [`Transaction: ${transactionHash}`] : [],
      isRetryable: true,
    });
    this.action = action;
    this.stage = stage;
    this.transactionHash = transactionHash;
  }
}

/**
 * A session cannot be mined yet: its mining seed is not stored and block M = E + graceBlocks + 1, whose hash
 * it is, does not exist yet. Retryable: the next block brings it.
 *
 * @example
 * ```ts
 * throw new MiningSeedUnavailableError({ session: 7n, miningSeedBlock: 164n });
 * ```
 */
export class MiningSeedUnavailableError extends BaseError {
  override name = "MiningSeedUnavailableError";
  readonly session: bigint;
  constructor({ session, miningSeedBlock }: { session: bigint; miningSeedBlock: bigint }) {
    super(
      `The mining seed of session ${session} is not available yet: it is not stored and block ${miningSeedBlock} is not mined.`,
      { isRetryable: true },
    );
    this.session = session;
  }
}
