import { BaseError } from "@aviary/protocol";

/** A part of the local network did not come up; the message names which and why. */
export class LocalNetworkStartError extends BaseError {
  override name = "LocalNetworkStartError";
  constructor({
    part,
    reason,
    hints = [],
    cause,
  }: { part: string; reason: string; hints?: string[]; cause?: unknown }) {
    super(`The local network could not start: ${part} ${reason}.`, { metaMessages: hints, cause });
  }
}

/** `--model` / `--backend` options that cannot be served. */
export class LocalNetworkModelError extends BaseError {
  override name = "LocalNetworkModelError";
  constructor(reason: string, cause?: unknown) {
    super(`The local network's model is unusable: ${reason}.`, { cause });
  }
}
