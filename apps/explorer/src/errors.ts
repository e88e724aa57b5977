import { BaseError } from "@aviary/protocol";

/** The explorer cannot start: bad parameters, or the chain or the contracts cannot be read. */
export class ExplorerStartError extends BaseError {
  override name = "ExplorerStartError";
  constructor(reason: string, cause?: unknown) {
    super(`The explorer cannot start: ${reason}.`, { cause, isRetryable: cause !== undefined });
  }
}

/** A page or API request named something malformed (an address, a claim key, a number). */
export class ExplorerBadRequestError extends BaseError {
  override name = "ExplorerBadRequestError";
  constructor(parameter: string, value: string, expected: string) {
    super(`Bad ${parameter} "${value.slice(0, 100)}": expected ${expected}.`);
  }
}

/** A gateway's public API did not answer, or answered something that is not its documented shape. */
export class GatewayPublicApiError extends BaseError {
  override name = "GatewayPublicApiError";
  constructor(url: string, reason: string, cause?: unknown) {
    super(`The gateway ${url} is unreachable or answered badly: ${reason}.`, { cause, isRetryable: true });
  }
}
