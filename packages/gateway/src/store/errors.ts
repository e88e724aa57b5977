/**
 * Errors of the gateway stores, side by side. Every one is a {@link GatewayStoreError}, itself a `BaseError`
 * of `@aviary/protocol`; `isRetryable` is true only where trying again may succeed (connection lost, database
 * busy).
 * @module
 */
import { BaseError } from "@aviary/protocol";

/** Parameters of {@link GatewayStoreError}. */
export type GatewayStoreErrorParameters = {
  /** The store operation that failed (`admit`, `migrate`, …). */
  operation: string;
  cause?: unknown;
  /** Defaults to `The gateway store could not <operation>.` */
  shortMessage?: string;
  metaMessages?: string[];
  isRetryable?: boolean;
};

/**
 * A gateway store operation failed. Thrown as is for database failures (with the driver's error as `cause`;
 * `isRetryable` for lost connections, timeouts and busy databases), and the base of the store's other errors.
 *
 * @example
 * ```ts
 * try {
 *   await store.admit(keyId, 100, 10n);
 * } catch (error) {
 *   if (error instanceof GatewayStoreError && error.isRetryable) return retryLater();
 *   throw error;
 * }
 * ```
 */
export class GatewayStoreError extends BaseError {
  override name = "GatewayStoreError";
  readonly operation: string;
  constructor({ operation, cause, shortMessage, metaMessages, isRetryable }: GatewayStoreErrorParameters) {
    super(shortMessage ?? `The gateway store could not ${operation}.`, {
      cause,
      ...(metaMessages ? { metaMessages } : {}),
      ...(isRetryable === undefined ? {} : { isRetryable }),
    });
    this.operation = operation;
  }
}

/**
 * The store was used after `close()`.
 *
 * @example
 * ```ts
 * throw new GatewayStoreClosedError({ operation: "admit" });
 * ```
 */
export class GatewayStoreClosedError extends GatewayStoreError {
  override name = "GatewayStoreClosedError";
  constructor({ operation }: { operation: string }) {
    super({
      operation,
      shortMessage: `The gateway store is closed (${operation}).`,
      metaMessages: ["A closed store cannot be reopened: create a new one."],
    });
  }
}

/**
 * A value handed to the store does not match its schema (it would be stored wrongly or be unreadable later).
 *
 * @example
 * ```ts
 * throw new GatewayStoreInputError({ operation: "createKey", reason: "budgetWei: must be ≥ 0" });
 * ```
 */
export class GatewayStoreInputError extends GatewayStoreError {
  override name = "GatewayStoreInputError";
  constructor({ operation, reason, cause }: { operation: string; reason: string; cause?: unknown }) {
    super({ operation, cause, shortMessage: `Invalid input to ${operation}: ${reason}` });
  }
}

/**
 * The options of `createGatewayStore` (or of a store's constructor) are unusable: a malformed or unsupported
 * database URL, an unopenable SQLite path, contradictory options.
 *
 * @example
 * ```ts
 * throw new GatewayStoreConfigError({ reason: "unsupported URL scheme mysql:", hint: "Use postgres://…" });
 * ```
 */
export class GatewayStoreConfigError extends GatewayStoreError {
  override name = "GatewayStoreConfigError";
  constructor({ reason, hint, cause }: { reason: string; hint?: string; cause?: unknown }) {
    super({
      operation: "open",
      cause,
      shortMessage: `Invalid gateway store configuration: ${reason}.`,
      ...(hint ? { metaMessages: [hint] } : {}),
    });
  }
}

/**
 * No API key has this id.
 *
 * @example
 * ```ts
 * throw new ApiKeyNotFoundError({ operation: "admit", keyId: "0b5e…" });
 * ```
 */
export class ApiKeyNotFoundError extends GatewayStoreError {
  override name = "ApiKeyNotFoundError";
  readonly keyId: string;
  constructor({ operation, keyId }: { operation: string; keyId: string }) {
    super({ operation, shortMessage: `No API key has id ${keyId} (${operation}).` });
    this.keyId = keyId;
  }
}

/**
 * The API key was revoked: it admits no more requests (its usage is still recorded).
 *
 * @example
 * ```ts
 * throw new ApiKeyRevokedError({ operation: "admit", keyId: "0b5e…", revokedAt: 1_700_000_000_000 });
 * ```
 */
export class ApiKeyRevokedError extends GatewayStoreError {
  override name = "ApiKeyRevokedError";
  readonly keyId: string;
  readonly revokedAt: number;
  constructor({ operation, keyId, revokedAt }: { operation: string; keyId: string; revokedAt: number }) {
    super({
      operation,
      shortMessage: `The API key ${keyId} was revoked (${operation}).`,
      metaMessages: [`Revoked at: ${new Date(revokedAt).toISOString()}`],
    });
    this.keyId = keyId;
    this.revokedAt = revokedAt;
  }
}

/**
 * `error` as the store throws it: a `BaseError` (the store's own, or an input error) as is; anything else (a
 * driver's error) wrapped in a {@link GatewayStoreError} naming `operation`, with the driver's description.
 *
 * @example
 * ```ts
 * throw toGatewayStoreError("admit", error, driver.describeError(error));
 * ```
 */
export function toGatewayStoreError(
  operation: string,
  error: unknown,
  description: { isRetryable: boolean; metaMessages?: string[] },
): BaseError {
  if (error instanceof BaseError) return error;
  return new GatewayStoreError({
    operation,
    cause: error,
    isRetryable: description.isRetryable,
    ...(description.metaMessages ? { metaMessages: description.metaMessages } : {}),
  });
}
