import { BaseError } from "../errors/BaseError.ts";

/** An `Aviary-Relay` or `Aviary-Receipt` header that cannot be decoded. */
export class RelayHeaderInvalidError extends BaseError {
  override name = "RelayHeaderInvalidError";
  readonly header: string;
  constructor({ header, reason, cause }: { header: string; reason: string; cause?: unknown }) {
    super(`The ${header} header is invalid: ${reason}.`, { cause });
    this.header = header;
  }
}
