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
