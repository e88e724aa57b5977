import { BaseError } from "../errors.ts";

/**
 * The chat relay behind a Responses request answered something that is not a chat.completion (or a chunk
 * of one): the supplier's fault, answered 502 (or, in a stream, a `response.failed` event).
 *
 * @example
 * ```ts
 * throw new ResponsesUpstreamInvalidError({ what: "a chat.completion", cause });
 * ```
 */
export class ResponsesUpstreamInvalidError extends BaseError {
  override name = "ResponsesUpstreamInvalidError";
  constructor({ what, cause }: { what: string; cause?: unknown }) {
    super(`The supplier's answer is not ${what}.`, { cause });
  }
}
