import { BaseError } from "@aviary/protocol";

/** The supplier node cannot start. */
export class SupplierStartError extends BaseError {
  override name = "SupplierStartError";
  constructor(reason: string, cause?: unknown) {
    super(`The supplier node cannot start: ${reason}.`, { cause, isRetryable: cause !== undefined });
  }
}
