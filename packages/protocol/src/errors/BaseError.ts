/** Parameters of {@link BaseError}. */
export type BaseErrorParameters = {
  /** The error (or value) that caused this one. */
  cause?: unknown;
  /** A longer, technical explanation (shown on its own line). */
  details?: string;
  /** Extra lines: the values involved, hints on how to fix it. */
  metaMessages?: string[];
  /** Whether retrying the same operation may succeed (network, timing). Protocol rules are never retryable. */
  isRetryable?: boolean;
};

/**
 * The base of every error `@aviary/protocol` throws (viem's `BaseError` shape, kept short).
 *
 * `message` is the short message followed by the meta lines and the details; `shortMessage` is the first line only.
 *
 * @example
 * ```ts
 * try {
 *   trie.insert(key, valueHash, 1n);
 * } catch (error) {
 *   if (error instanceof BaseError) console.error(error.shortMessage, error.isRetryable);
 * }
 * ```
 */
export class BaseError extends Error {
  override name = "AviaryError";
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: readonly string[];
  readonly isRetryable: boolean;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const details =
      parameters.details ??
      (parameters.cause instanceof BaseError
        ? parameters.cause.details
        : parameters.cause instanceof Error
          ? parameters.cause.message
          : undefined);
    const lines = [shortMessage];
    if (parameters.metaMessages?.length) lines.push("", ...parameters.metaMessages);
    if (details) lines.push("", `Details: ${details}`);
    super(lines.join("\n"), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = parameters.metaMessages ?? [];
    this.isRetryable = parameters.isRetryable ?? false;
  }

  /**
   * Follows the `cause` chain and returns the deepest error, or the first one `predicate` accepts.
   *
   * @example
   * ```ts
   * const root = error.walk();
   * ```
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    while (current instanceof Error) {
      if (predicate?.(current)) return current;
      if (current.cause === undefined) return predicate ? null : current;
      current = current.cause;
    }
    return predicate ? (predicate(current) ? current : null) : current;
  }
}
