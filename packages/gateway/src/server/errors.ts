import { BaseError } from "@aviary/protocol";

/**
 * No application this gateway signs for has enough of its session budget left for the relay's maxCost: more
 * stake or another delegation would help, waiting for the next session too. Answered 503
 * `applications_exhausted`.
 *
 * @example
 * ```ts
 * throw new ApplicationsExhaustedError(session);
 * ```
 */
export class ApplicationsExhaustedError extends BaseError {
  override name = "ApplicationsExhaustedError";
  constructor(session: bigint) {
    super(
      `No application delegated to this gateway has session budget left for this request (session ${session}).`,
      {
        metaMessages: ["Stake more on an application, or delegate another one to this gateway."],
        isRetryable: true,
      },
    );
  }
}

/**
 * An API key's budget cannot pay for the attempt about to be made (admission, or a failover to a pricier
 * supplier): answered 402 `insufficient_quota` with what the request would cost and what is left.
 *
 * @example
 * ```ts
 * throw new KeyBudgetExceededError({ costWei: 900n, remainingWei: 300n, limit: "budget 1000 wei", failover: true });
 * ```
 */
export class KeyBudgetExceededError extends BaseError {
  override name = "KeyBudgetExceededError";
  readonly costWei: bigint;
  readonly remainingWei: bigint;
  constructor({
    costWei,
    remainingWei,
    limit,
    failover = false,
  }: {
    /** What the attempt could cost at most (its maxCost). */
    costWei: bigint;
    /** What is left of the budget once spend and pending reservations are counted. */
    remainingWei: bigint;
    /** The refusing limit, e.g. `budget 1000 wei`. */
    limit: string;
    /** True when a failover was refused (an earlier attempt failed). */
    failover?: boolean;
  }) {
    super(
      failover
        ? `The next supplier could cost up to ${costWei} token wei for this request, more than this API key has left (${remainingWei} token wei of its ${limit}, counting requests in flight); the failover was not attempted.`
        : `This request could cost up to ${costWei} token wei even at the cheapest supplier, more than this API key has left (${remainingWei} token wei of its ${limit}, counting requests in flight). Lower max_tokens, or raise the key's budget.`,
    );
    this.costWei = costWei;
    this.remainingWei = remainingWei;
  }
}
