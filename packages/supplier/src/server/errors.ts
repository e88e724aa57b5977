/**
 * Errors of the relay server, in one file.
 * @module
 */
import { BaseError } from "@aviary/protocol";

/**
 * A signature about to be stored or sent breaks the one signature rule (65 bytes `r ‖ s ‖ v`, v 27 or 28,
 * s ≤ n/2): the relay is not recorded and no receipt is sent (a bug in the signer, never the client's fault).
 *
 * @example
 * ```ts
 * if (!isValidSignatureEncoding(signature)) throw new SignatureRuleError({ relayKey });
 * ```
 */
export class SignatureRuleError extends BaseError {
  override name = "SignatureRuleError";
  readonly status = 500;
  readonly code = "signature_rule";
  constructor({ relayKey }: { relayKey: string }) {
    super(`A signature of relay ${relayKey} breaks the signature rule (v 27 or 28, low s): not recorded.`);
  }
}
