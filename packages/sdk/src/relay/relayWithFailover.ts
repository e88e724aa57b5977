import type { OpenAiRoute, RelayDomainParameters, RelayRequest } from "@aviary/protocol";
import type { SupplierCandidateInfo } from "../discovery/discoverSuppliers.ts";
import {
  BaseError,
  ReceiptInvalidError,
  RelayAbortedError,
  RelayAttemptError,
  RelayFailedError,
  StreamBrokenError,
} from "../errors.ts";
import { type AttemptOutcome, type ClassifyFailureReturnType, classifyFailure } from "../routing/index.ts";
import {
  type RelayStreamEvent,
  type SendRelayAttemptParameters,
  sendRelayAttempt,
} from "./sendRelayAttempt.ts";
import { toAttemptOutcome } from "./toAttemptOutcome.ts";
import type { VerifiedReceipt } from "./verifyRelayReceipt.ts";

/** What a relay attempt needs to know about a supplier (discovery's answer; routing `Candidate`s fit). */
export type RelayCandidate = Pick<SupplierCandidateInfo, "address" | "endpoint" | "operator">;

/** How one attempt ended. */
export type RelayAttemptOutcome =
  | {
      ok: true;
      /** Time to the first event, ms (streams only). */
      ttftMs: number | undefined;
      /** Output units per second after the first event (streams only). */
      tokensPerSecond: number | undefined;
      receipt: VerifiedReceipt;
    }
  | {
      ok: false;
      /** What routing's `classifyFailure` was given. */
      failure: AttemptOutcome;
      /** Its verdict: `failureKind` (what to charge the supplier, or null) and `retryable`. */
      classification: ClassifyFailureReturnType;
      error: unknown;
      /** True when a stream broke after its first event had been handed to the caller (no failover then). */
      afterFirstEvent: boolean;
    };

/** One attempt, as reported to `onAttempt` and listed in `attempts`. */
export type RelayAttemptReport<C extends RelayCandidate = RelayCandidate> = {
  candidate: C;
  /** 0-based position in the plan. */
  attempt: number;
  outcome: RelayAttemptOutcome;
  /** Milliseconds from sending the attempt to its outcome (for a stream that succeeded: to its end). */
  ms: number;
};

/** What `signRelay` returns: the `Aviary-Relay` header value and the request it encodes. */
export type SignedRelayAttempt = { header: string; request: RelayRequest };

export type RelayWithFailoverParameters<C extends RelayCandidate> = {
  /** The suppliers to try, in order (routing: `planAttempts(rankCandidates(...).ranked)`). */
  candidates: readonly C[];
  route: OpenAiRoute;
  /** The exact request body bytes, the same for every attempt. */
  body: Uint8Array;
  /** The relay EIP-712 domain. */
  domain: RelayDomainParameters;
  /**
   * Signs a fresh RelayRequest for `candidate` (its address, prices, a NEW nonce for every attempt) and encodes
   * the header. Called once per attempt, just before it. Errors it throws end the relay as they are.
   */
  signRelay: (candidate: C, attempt: number) => Promise<SignedRelayAttempt>;
  /**
   * Called once per attempt with its outcome: failures as they happen; a JSON success before returning; a
   * stream's success or failure when the stream ends. Feed a stats book with it (`recordRelayAttempt`).
   * Must not throw (errors are swallowed) and should be quick.
   */
  onAttempt?: (report: RelayAttemptReport<C>) => void;
  /** Most attempts. @default candidates.length */
  maxAttempts?: number;
} & RelayAttemptOptions;

/**
 * The limits and means of every attempt, as {@link sendRelayAttempt} takes them (`chunkTimeoutMs` also bounds
 * the wait for a stream's first event).
 */
export type RelayAttemptOptions = Pick<
  SendRelayAttemptParameters,
  | "firstByteTimeoutMs"
  | "chunkTimeoutMs"
  | "maxResponseBytes"
  | "signal"
  | "fetch"
  | "transport"
  | "recoverSigner"
>;

type Common<C extends RelayCandidate> = {
  /** The supplier that answered. */
  candidate: C;
  /** The request that was signed for it. */
  request: RelayRequest;
  /** Every attempt so far, the failed ones first (a stream's own report is added when it ends). */
  attempts: RelayAttemptReport<C>[];
};

export type RelayWithFailoverReturnType<C extends RelayCandidate> =
  | (Common<C> & {
      kind: "json";
      status: number;
      body: Uint8Array;
      json: Record<string, unknown>;
      receipt: VerifiedReceipt;
    })
  | (Common<C> & {
      kind: "stream";
      status: number;
      /** The first data event (undefined only for a stream that carried none and ended verified). */
      firstEvent: RelayStreamEvent | undefined;
      /**
       * The events after `firstEvent`. Iterate once, to the end: it ends normally only after the receipt
       * verified, and otherwise throws (StreamBrokenError, ReceiptInvalidError): answer the client with an
       * explicit error event then, never a clean end.
       */
      events: AsyncIterable<RelayStreamEvent>;
      receipt: Promise<VerifiedReceipt>;
      /** Closes the supplier's stream (the client went away). */
      cancel: (reason?: unknown) => void;
    });

export type RelayWithFailoverErrorType = RelayFailedError | RelayAbortedError;

/**
 * Relays one request with failover, the rules the SDK and the gateway share: tries `candidates` in order, a
 * freshly signed request each time; moves on after a connection error, a 5xx, a refusal another supplier may
 * not have, a timeout, or an invalid receipt — as routing's `classifyFailure` decides — but only before the
 * first content: a non-streamed answer is returned once its receipt verified; a stream once its first event
 * arrived (the caller decides the HTTP status only then). After that a broken stream is the caller's to
 * surface: `events` throws.
 *
 * @param parameters - candidates, route, body, domain, `signRelay`, optional `onAttempt`, limits.
 * @throws {RelayFailedError} when no attempt succeeded: `status` / `code` to answer with, every attempt's error.
 * @throws {RelayAbortedError} when `signal` fired.
 * @example
 * ```ts
 * const result = await relayWithFailover({
 *   candidates: planAttempts(rankCandidates(candidates, { strategy, now, random: Math.random }).ranked),
 *   route: "chat/completions", body, domain,
 *   signRelay: async (candidate) => signRelayFor(candidate), // a new nonce each time
 *   onAttempt: (report) => recordRelayAttempt(book, report),
 * });
 * if (result.kind === "stream") {
 *   write(result.firstEvent);
 *   for await (const event of result.events) write(event); // throws if the stream breaks
 * }
 * ```
 */
export async function relayWithFailover<C extends RelayCandidate>(
  parameters: RelayWithFailoverParameters<C>,
): Promise<RelayWithFailoverReturnType<C>> {
  const { candidates, signal } = parameters;
  const limit = Math.min(parameters.maxAttempts ?? candidates.length, candidates.length);
  const attempts: RelayAttemptReport<C>[] = [];
  const report = (entry: RelayAttemptReport<C>) => {
    attempts.push(entry);
    try {
      parameters.onAttempt?.(entry);
    } catch {
      // A reporting bug must not break the relay.
    }
  };
  const failed = (
    candidate: C,
    attempt: number,
    started: number,
    error: unknown,
    afterFirstEvent: boolean,
  ) => {
    const failure = toAttemptOutcome(error, afterFirstEvent);
    const classification = classifyFailure(failure);
    const entry: RelayAttemptReport<C> = {
      candidate,
      attempt,
      ms: performance.now() - started,
      outcome: { ok: false, failure, classification, error, afterFirstEvent },
    };
    report(entry);
    return entry;
  };

  for (let attempt = 0; attempt < limit; attempt += 1) {
    const candidate = candidates[attempt] as C;
    if (signal?.aborted) throw new RelayAbortedError({ cause: signal.reason });
    const signed = await parameters.signRelay(candidate, attempt);
    const started = performance.now();
    try {
      const result = await sendRelayAttempt({
        endpoint: candidate.endpoint,
        route: parameters.route,
        body: parameters.body,
        header: signed.header,
        request: signed.request,
        operator: candidate.operator,
        domain: parameters.domain,
        firstByteTimeoutMs: parameters.firstByteTimeoutMs,
        chunkTimeoutMs: parameters.chunkTimeoutMs,
        maxResponseBytes: parameters.maxResponseBytes,
        signal,
        fetch: parameters.fetch,
        transport: parameters.transport,
        recoverSigner: parameters.recoverSigner,
      });
      if (result.kind === "json") {
        report({
          candidate,
          attempt,
          ms: performance.now() - started,
          outcome: { ok: true, ttftMs: undefined, tokensPerSecond: undefined, receipt: result.receipt },
        });
        return { ...result, candidate, request: signed.request, attempts };
      }

      // A stream: nothing is decided before its first event.
      const iterator = result.events[Symbol.asyncIterator]();
      const first = await iterator.next();
      const firstEventAt = performance.now();
      let reported = false;
      const succeed = (receipt: VerifiedReceipt) => {
        reported = true;
        const end = performance.now();
        const seconds = (end - firstEventAt) / 1000;
        report({
          candidate,
          attempt,
          ms: end - started,
          outcome: {
            ok: true,
            ttftMs: firstEventAt - started,
            tokensPerSecond: seconds > 0 ? Number(receipt.outputUnits) / seconds : undefined,
            receipt,
          },
        });
      };
      if (first.done) {
        succeed(await result.receipt);
        return {
          kind: "stream",
          status: result.status,
          firstEvent: undefined,
          events: emptyEvents(),
          receipt: result.receipt,
          cancel: result.cancel,
          candidate,
          request: signed.request,
          attempts,
        };
      }
      const rest = async function* (): AsyncGenerator<RelayStreamEvent> {
        try {
          for (;;) {
            const next = await iterator.next();
            if (next.done) break;
            yield next.value;
          }
          succeed(await result.receipt);
        } catch (error) {
          reported = true;
          failed(candidate, attempt, started, error, true);
          throw error;
        } finally {
          if (!reported) {
            // The caller stopped reading: close the supplier's stream; not the supplier's fault.
            reported = true;
            await iterator.return?.(undefined);
            failed(candidate, attempt, started, new RelayAbortedError(), true);
          }
        }
      };
      let iterated = false;
      return {
        kind: "stream",
        status: result.status,
        firstEvent: first.value,
        events: {
          [Symbol.asyncIterator]() {
            if (iterated) throw new TypeError("The events of a relayed stream can be iterated only once.");
            iterated = true;
            return rest();
          },
        },
        receipt: result.receipt,
        cancel: result.cancel,
        candidate,
        request: signed.request,
        attempts,
      };
    } catch (error) {
      if (error instanceof RelayAbortedError || signal?.aborted) {
        throw error instanceof RelayAbortedError ? error : new RelayAbortedError({ cause: signal?.reason });
      }
      const entry = failed(candidate, attempt, started, error, false);
      if (entry.outcome.ok || entry.outcome.classification.retryable !== true) break;
    }
  }
  throw relayFailedError(attempts);
}

async function* emptyEvents(): AsyncGenerator<RelayStreamEvent> {}

function codeOf(error: unknown): string {
  if (error instanceof RelayAttemptError || error instanceof StreamBrokenError) return error.code;
  if (error instanceof ReceiptInvalidError) return "receipt_invalid";
  return "relay_failed";
}

function relayFailedError<C extends RelayCandidate>(
  attempts: readonly RelayAttemptReport<C>[],
): RelayFailedError {
  const list = attempts.map((entry) => ({
    supplier: entry.candidate.address as `0x${string}`,
    error: entry.outcome.ok ? undefined : entry.outcome.error,
  }));
  const last = attempts.at(-1);
  if (!last || last.outcome.ok) {
    return new RelayFailedError({
      status: 503,
      code: "no_supplier_available",
      message: "No supplier could be tried.",
      attempts: list,
    });
  }
  const { failure, classification, error } = last.outcome;
  const lastMessage = error instanceof BaseError ? error.shortMessage : String(error);
  const message = `All ${attempts.length} relay attempt${attempts.length === 1 ? "" : "s"} failed; the last: ${lastMessage}`;
  if (classification.retryable !== true) {
    // The failover stopped: this error is the answer (a client mistake, a budget, a signing problem).
    const status =
      failure.kind === "http" && failure.status >= 400 && failure.status <= 599 ? failure.status : 502;
    const param = error instanceof RelayAttemptError ? (error.param ?? null) : null;
    return new RelayFailedError({ status, code: codeOf(error), message, attempts: list, param });
  }
  // Every supplier failed retryably: 503 when none could take it (down, timing out, refusing), else 502.
  const unavailable = attempts.every(
    (entry) =>
      !entry.outcome.ok &&
      (entry.outcome.classification.failureKind === "connect" ||
        entry.outcome.classification.failureKind === "timeout" ||
        entry.outcome.classification.failureKind === "refusal"),
  );
  return new RelayFailedError({
    status: unavailable ? 503 : 502,
    code: codeOf(error),
    message,
    attempts: list,
  });
}
