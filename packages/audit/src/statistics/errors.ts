import { BaseError } from "@aviary/protocol";

/**
 * A parameter of an audit computation is out of its domain (a negative rate, a probability above 1, empty
 * samples where a test needs some).
 *
 * @example
 * ```ts
 * throw new AuditParameterInvalidError({ name: "temperature", value: -1, reason: "must be ≥ 0" });
 * ```
 */
export class AuditParameterInvalidError extends BaseError {
  override name = "AuditParameterInvalidError";
  constructor({ name, value, reason }: { name: string; value: unknown; reason: string }) {
    super(`Audit parameter \`${name}\` is invalid: ${reason}.`, {
      metaMessages: [`Value: ${String(value)}`],
    });
  }
}
