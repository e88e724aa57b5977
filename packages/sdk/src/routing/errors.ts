import { BaseError } from "@aviary/protocol";

/**
 * OpenRouter-style `provider` routing options that do not parse. The message names the field.
 *
 * @example
 * ```ts
 * throw new ProviderOptionsInvalidError({ field: "provider.max_price.prompt", reason: "must be a non-negative decimal" });
 * ```
 */
export class ProviderOptionsInvalidError extends BaseError {
  override name = "ProviderOptionsInvalidError";
  /** The offending field, as a dotted path from `provider` (e.g. `provider.only.2`). */
  readonly field: string;
  /**
   * @param parameters.reason - what is wrong with the value (`\`field\` is invalid: reason.`), or, with
   *   `unknownKey`, why the key is not read (`\`field\` reason.`).
   */
  constructor({
    field,
    reason,
    unknownKey = false,
    cause,
  }: { field: string; reason: string; unknownKey?: boolean; cause?: unknown }) {
    super(unknownKey ? `\`${field}\` ${reason}.` : `\`${field}\` is invalid: ${reason}.`, { cause });
    this.field = field;
  }
}

/**
 * A routing configuration or parameter (strategy, attempt plan, hedging) is out of range.
 *
 * @example
 * ```ts
 * throw new RoutingParameterInvalidError({ name: "maxAttempts", value: 0, reason: "must be an integer ≥ 1" });
 * ```
 */
export class RoutingParameterInvalidError extends BaseError {
  override name = "RoutingParameterInvalidError";
  constructor({ name, value, reason }: { name: string; value: unknown; reason: string }) {
    super(`\`${name}\` is invalid: ${reason}.`, {
      metaMessages: [`Value: ${typeof value === "bigint" ? `${value}n` : String(value)}`],
    });
  }
}
