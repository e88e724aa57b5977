import { BaseError } from "./BaseError.ts";

/**
 * A signature could not be produced or recovered (malformed bytes, invalid curve point, failing signer).
 *
 * @example
 * ```ts
 * throw new SignatureInvalidError({ what: "relay request", cause: error });
 * ```
 */
export class SignatureInvalidError extends BaseError {
  override name = "SignatureInvalidError";
  constructor({ what, cause }: { what: string; cause?: unknown }) {
    super(`Invalid ${what} signature.`, { cause });
  }
}
