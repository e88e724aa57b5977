/**
 * Every error `@aviary/sdk` throws: subclasses of the protocol's {@link BaseError} (short message, details,
 * cause chain, `isRetryable`). Suppliers are untrusted: anything they answer that does not check out is one
 * of these, never a raw parse error.
 * @module
 */
import { BaseError } from "@aviary/protocol";
import type { Address, Hex } from "viem";

export { BaseError } from "@aviary/protocol";

/** How one relay attempt failed at the HTTP level. */
export type RelayAttemptFailureKind = "http" | "network" | "timeout";

/**
 * One attempt against one supplier failed before a response could be used: a refusal or server error
 * (`kind: "http"`, with the OpenAI error `code`), a connection error (`"network"`), or no first byte / no next
 * chunk in time (`"timeout"`).
 *
 * @example
 * ```ts
 * try {
 *   await sendRelayAttempt({ ... });
 * } catch (error) {
 *   if (error instanceof RelayAttemptError && error.kind === "http") console.log(error.status, error.code);
 * }
 * ```
 */
export class RelayAttemptError extends BaseError {
  override name = "RelayAttemptError";
  readonly kind: RelayAttemptFailureKind;
  /** HTTP status (kind `http` only). */
  readonly status: number | undefined;
  /** The OpenAI error `code` the supplier answered (kind `http`), or `connection_error` / `timeout`. */
  readonly code: string;
  /** The supplier's message (kind `http`), else a description. */
  readonly supplierMessage: string;
  readonly endpoint: string;
  /** The system error code of a network failure (e.g. `ECONNREFUSED`), when known. */
  readonly networkCode: string | undefined;
  /** The body field the supplier's error names (OpenAI's `param`), when it names one. */
  readonly param: string | undefined;

  constructor(parameters: {
    kind: RelayAttemptFailureKind;
    endpoint: string;
    status?: number;
    code?: string;
    message: string;
    networkCode?: string;
    param?: string;
    cause?: unknown;
  }) {
    const { kind, endpoint, status } = parameters;
    const code =
      parameters.code ??
      (kind === "timeout" ? "timeout" : kind === "network" ? "connection_error" : "http_error");
    super(
      kind === "http"
        ? `The supplier at ${endpoint} answered ${status} ${code}: ${parameters.message}`
        : kind === "timeout"
          ? `The supplier at ${endpoint} timed out: ${parameters.message}`
          : `The supplier at ${endpoint} could not be reached: ${parameters.message}`,
      {
        cause: parameters.cause,
        isRetryable: kind !== "http" || (status !== undefined && (status >= 500 || status === 429)),
      },
    );
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.param = parameters.param;
    this.supplierMessage = parameters.message;
    this.endpoint = endpoint;
    this.networkCode = parameters.networkCode;
  }
}

/** Why a receipt was rejected. */
export type ReceiptInvalidReason =
  | "missing"
  | "malformed"
  | "request_mismatch"
  | "response_hash_mismatch"
  | "wrong_signer"
  | "over_max_cost";

/**
 * The supplier's receipt is missing or does not bind this relay: wrong request hash, a response hash that is
 * not keccak256 of the bytes received, a signature not by the supplier's operator, or a cost above `maxCost`.
 * The response must not be used (for a stream: it must not end cleanly), and the supplier not be trusted.
 *
 * @example
 * ```ts
 * if (error instanceof ReceiptInvalidError) stats.distrust(error.supplier);
 * ```
 */
export class ReceiptInvalidError extends BaseError {
  override name = "ReceiptInvalidError";
  readonly reason: ReceiptInvalidReason;
  readonly supplier: Address | undefined;

  constructor({
    reason,
    supplier,
    detail,
    cause,
  }: { reason: ReceiptInvalidReason; supplier?: Address; detail?: string; cause?: unknown }) {
    super(`The relay receipt is invalid (${reason})${supplier ? ` from supplier ${supplier}` : ""}.`, {
      cause,
      details: detail,
      // The same request may succeed with another supplier.
      isRetryable: true,
    });
    this.reason = reason;
    this.supplier = supplier;
  }
}

/** How a stream broke. */
export type StreamBrokenReason = "truncated" | "error_event" | "timeout" | "network";

/**
 * A streamed relay did not end with its receipt and `data: [DONE]`: the connection closed early, a chunk did
 * not come in time, or the supplier sent an `error` event (`status`/`code` from it).
 *
 * @example
 * ```ts
 * for await (const event of result.events) write(event.data); // throws StreamBrokenError when cut
 * ```
 */
export class StreamBrokenError extends BaseError {
  override name = "StreamBrokenError";
  readonly reason: StreamBrokenReason;
  readonly status: number | undefined;
  readonly code: string;
  readonly endpoint: string;

  constructor(parameters: {
    reason: StreamBrokenReason;
    endpoint: string;
    status?: number;
    code?: string;
    message: string;
    cause?: unknown;
  }) {
    super(`The stream from ${parameters.endpoint} broke (${parameters.reason}): ${parameters.message}`, {
      cause: parameters.cause,
      isRetryable: true,
    });
    this.reason = parameters.reason;
    this.status = parameters.status;
    this.code = parameters.code ?? `stream_${parameters.reason}`;
    this.endpoint = parameters.endpoint;
  }
}

/**
 * Nobody offers the model in the session (or every offer was filtered out by the routing options).
 *
 * @example
 * ```ts
 * if (error instanceof NoSupplierError) return json(openAiError(404, "model_not_found", error.shortMessage), 404);
 * ```
 */
export class NoSupplierError extends BaseError {
  override name = "NoSupplierError";
  readonly model: Hex;
  readonly session: bigint;
  constructor({ model, session, modelName }: { model: Hex; session: bigint; modelName?: string }) {
    super(`No supplier offers model ${modelName ?? model} in session ${session}.`);
    this.model = model;
    this.session = session;
  }
}

/**
 * A relay request's body is not one Aviary can relay: not JSON, not the route's OpenAI shape, bad `provider`
 * options. Answered as an OpenAI `400` naming `param`; no supplier is asked.
 *
 * @example
 * ```ts
 * throw new RelayBodyInvalidError({ code: "invalid_provider", message: "provider.sort: …", param: "provider.sort" });
 * ```
 */
export class RelayBodyInvalidError extends BaseError {
  override name = "RelayBodyInvalidError";
  /** The OpenAI error `code`: `invalid_json`, `invalid_request`, `invalid_provider`, `max_tokens_too_large`. */
  readonly code: string;
  /** The body field at fault (`messages`, `provider.sort`, `max_tokens`), or null. */
  readonly param: string | null;
  constructor({
    code,
    message,
    param = null,
    cause,
  }: {
    code: string;
    message: string;
    param?: string | null;
    cause?: unknown;
  }) {
    super(message, { cause });
    this.code = code;
    this.param = param;
  }
}

/**
 * Suppliers offer the model, but the request's `provider` options (`only`, `ignore`, `max_price`, …) exclude
 * every one of them.
 *
 * @example
 * ```ts
 * throw new NoEligibleSupplierError({ modelName: "llama", excluded: ["0xab…: ignored"] });
 * ```
 */
export class NoEligibleSupplierError extends BaseError {
  override name = "NoEligibleSupplierError";
  constructor({ modelName, excluded }: { modelName: string; excluded: readonly string[] }) {
    super(
      `No supplier of ${modelName} matches the provider options${excluded.length > 0 ? ` (${excluded.join("; ")})` : ""}.`,
    );
  }
}

/**
 * Suppliers offer the model, but none declares support for a field the request sets (`tools`,
 * `response_format` JSON, `logprobs`, an image part, …): Aviary never drops a field to find a supplier
 * (`provider.require_parameters`). Answered as 400 `unsupported_parameter` naming `param`: the field most
 * suppliers refused.
 *
 * @example
 * ```ts
 * throw new UnsupportedParameterError({ modelName: "llama", param: "tools", reason: "…", suppliers: 3 });
 * ```
 */
export class UnsupportedParameterError extends BaseError {
  override name = "UnsupportedParameterError";
  /** The request field no supplier honours, e.g. `tools` or `messages.1.content`. */
  readonly param: string;
  constructor({
    modelName,
    param,
    reason,
    suppliers,
  }: {
    modelName: string;
    param: string;
    /** The refusal's own message (`unsupportedRequestField`'s). */
    reason: string;
    /** How many suppliers of the model were considered. */
    suppliers: number;
  }) {
    super(
      `No supplier of ${modelName} supports \`${param}\` (${suppliers} considered): ${reason} Remove it, or choose a model whose suppliers declare it.`,
    );
    this.param = param;
  }
}

/**
 * A supplier's `GET /v1/supplier` could not be read (down, slow, not a supplier's answer): its capabilities
 * stay unknown. Retryable.
 *
 * @example
 * ```ts
 * throw new SupplierCapabilitiesError({ endpoint, cause });
 * ```
 */
export class SupplierCapabilitiesError extends BaseError {
  override name = "SupplierCapabilitiesError";
  readonly endpoint: string;
  constructor({ endpoint, cause }: { endpoint: string; cause?: unknown }) {
    super(`Could not read the capabilities of the supplier at ${endpoint}.`, { cause, isRetryable: true });
    this.endpoint = endpoint;
  }
}

/**
 * Every attempt of a relay failed before a usable answer. `status` / `code` are the last error's (an HTTP
 * status the caller can answer with), `attempts` every attempt's error in order.
 *
 * @example
 * ```ts
 * if (error instanceof RelayFailedError) return json(openAiError(error.status, error.code, error.shortMessage), error.status);
 * ```
 */
export class RelayFailedError extends BaseError {
  override name = "RelayFailedError";
  /** The status to answer the caller with: the last refusal's 4xx, else 502 (or 503 if nobody answered). */
  readonly status: number;
  readonly code: string;
  /** The body field the answer names (OpenAI's `param`): the last supplier's, when the failover stopped on it. */
  readonly param: string | null;
  readonly attempts: readonly { supplier: Address; error: unknown }[];

  constructor({
    status,
    code,
    message,
    attempts,
    param = null,
  }: {
    status: number;
    code: string;
    message: string;
    attempts: readonly { supplier: Address; error: unknown }[];
    param?: string | null;
  }) {
    const last = attempts.at(-1)?.error;
    super(message, {
      cause: last,
      metaMessages: attempts.map(
        ({ supplier, error }, index) =>
          `Attempt ${index + 1} (${supplier}): ${error instanceof BaseError ? error.shortMessage : String(error)}`,
      ),
      isRetryable: status >= 500,
    });
    this.status = status;
    this.code = code;
    this.param = param;
    this.attempts = attempts;
  }
}

/**
 * Reading the chain failed (RPC down, wrong address). Retryable.
 *
 * @example
 * ```ts
 * throw new ChainReadError({ what: "the suppliers of session 12", cause: error });
 * ```
 */
export class ChainReadError extends BaseError {
  override name = "ChainReadError";
  constructor({ what, cause }: { what: string; cause?: unknown }) {
    super(`Could not read ${what} from the chain.`, { cause, isRetryable: true });
  }
}

/**
 * A transaction was mined but reverted.
 *
 * @example
 * ```ts
 * throw new TransactionRevertedError({ functionName: "stakeApplication", hash });
 * ```
 */
export class TransactionRevertedError extends BaseError {
  override name = "TransactionRevertedError";
  readonly hash: Hex;
  constructor({ functionName, hash }: { functionName: string; hash: Hex }) {
    super(`The ${functionName} transaction ${hash} reverted.`);
    this.hash = hash;
  }
}

/**
 * A wallet client without an account was given to an action that sends transactions.
 *
 * @example
 * ```ts
 * throw new AccountMissingError({ action: "stakeApplication" });
 * ```
 */
export class AccountMissingError extends BaseError {
  override name = "AccountMissingError";
  constructor({ action }: { action: string }) {
    super(`${action} needs a wallet client with an account.`, {
      metaMessages: ["Create it with createWalletClient({ account: privateKeyToAccount(key), ... })."],
    });
  }
}

/**
 * The caller aborted the relay (its `AbortSignal` fired): not the supplier's fault, never retried.
 *
 * @example
 * ```ts
 * controller.abort(); // a pending sendRelayAttempt / relayWithFailover rejects with RelayAbortedError
 * ```
 */
export class RelayAbortedError extends BaseError {
  override name = "RelayAbortedError";
  constructor({ cause }: { cause?: unknown } = {}) {
    super("The relay was aborted by the caller.", { cause });
  }
}

/**
 * A contract call was refused by the contract: `errorName` is its custom error (`InsufficientCollateral`,
 * `OutsideWindow`, `LeafNotDrawn`, …) and `args` its arguments, decoded against the settlement's and the
 * registry's ABIs; the message says what the error means with these values. Not retryable as such: the same
 * call reverts again until the chain moves on (a window opens, stake is added, …).
 *
 * @example
 * ```ts
 * try {
 *   await claim(clients, { settlement, supplier, application, model, session, root });
 * } catch (error) {
 *   if (error instanceof ContractRevertedError && error.errorName === "InsufficientCollateral") addStake();
 * }
 * ```
 */
export class ContractRevertedError extends BaseError {
  override name = "ContractRevertedError";
  /** The contract function that reverted, e.g. `claim`. */
  readonly functionName: string;
  /** The custom error, or `undefined` when the revert data matched none (see `signature`). */
  readonly errorName: string | undefined;
  /** The custom error's arguments, in ABI order. */
  readonly args: readonly unknown[];
  /** The 4-byte selector of an error that could not be decoded. */
  readonly signature: Hex | undefined;

  constructor({
    functionName,
    errorName,
    args = [],
    description,
    signature,
    cause,
  }: {
    functionName: string;
    errorName?: string;
    args?: readonly unknown[];
    /** What the error means with these values (one sentence). */
    description?: string;
    signature?: Hex;
    cause?: unknown;
  }) {
    const what =
      errorName === undefined
        ? `an unknown error${signature ? ` (selector ${signature})` : ""}`
        : `${errorName}${args.length ? `(${args.map(String).join(", ")})` : ""}`;
    super(`${functionName} reverted with ${what}${description ? `: ${description}` : ""}.`, { cause });
    this.functionName = functionName;
    this.errorName = errorName;
    this.args = args;
    this.signature = signature;
  }
}

/**
 * A transaction succeeded but its receipt lacks the event the action reads its result from (a contract at
 * that address that is not the Aviary one, or another version of it).
 *
 * @example
 * ```ts
 * throw new TransactionEventMissingError({ functionName: "claim", eventName: "Claimed", hash });
 * ```
 */
export class TransactionEventMissingError extends BaseError {
  override name = "TransactionEventMissingError";
  readonly hash: Hex;
  constructor({ functionName, eventName, hash }: { functionName: string; eventName: string; hash: Hex }) {
    super(`The ${functionName} transaction ${hash} succeeded but emitted no ${eventName} event.`, {
      metaMessages: ["Is the address an Aviary settlement of this version?"],
    });
    this.hash = hash;
  }
}
