import {
  NoEligibleSupplierError,
  NoSupplierError,
  RelayFailedError,
  UnsupportedParameterError,
} from "../errors.ts";
import type { ParsedRelayBody } from "./parseRelayBody.ts";

export type RelayWithModelFallbackParameters<T> = {
  /** The parsed request: `model` first, then its `fallbackModels` in order. */
  parsed: ParsedRelayBody;
  /**
   * The rest of the pipeline for one model (prepare → plan → … → send). Given the request with `model`, and
   * the body's `model`, set to the model being tried (and no fallbacks of its own).
   */
  relay: (parsed: ParsedRelayBody, index: number) => Promise<T>;
};
export type RelayWithModelFallbackReturnType<T> = T;

/**
 * Whether a model's failure lets the next model of the `models` list be tried: nobody offers it
 * (`NoSupplierError`), the `provider` options or the request's fields exclude every supplier
 * (`NoEligibleSupplierError`, `UnsupportedParameterError`), or every planned attempt failed
 * (`RelayFailedError`). A bad body, an unreadable chain, an abort or a refused payment end the request.
 *
 * @param error - what one model's relay threw.
 * @example
 * ```ts
 * if (!isModelFallbackError(error)) throw error;
 * ```
 */
export function isModelFallbackError(error: unknown): boolean {
  return (
    error instanceof NoSupplierError ||
    error instanceof NoEligibleSupplierError ||
    error instanceof UnsupportedParameterError ||
    error instanceof RelayFailedError
  );
}

/**
 * OpenRouter's `models` fallback list, for the gateway and `createAviaryFetch` alike: runs `relay` for the
 * request's `model`, and when that fails in a way another model can change ({@link isModelFallbackError}),
 * for each of `fallbackModels` in turn, with the body's `model` rewritten (so a fallback is hashed, priced and
 * signed as its own relay; the supplier's answer names the model that served it). A stream is decided at its
 * first event: nothing falls back after that. When every model failed, the last model's error is thrown.
 *
 * @param parameters - the parsed request and the per-model pipeline.
 * @returns what `relay` returned for the first model that succeeded.
 * @throws what the last `relay` threw (or the first error that allows no fallback).
 * @example
 * ```ts
 * const parsed = parseRelayBody({ route, bytes }); // { model: "a", fallbackModels: ["b"] }
 * const result = await relayWithModelFallback({
 *   parsed,
 *   relay: async (forModel) => {
 *     const prepared = prepareRelayBody({ parsed: forModel });
 *     const { session, plan } = await planRelay({ prepared, sessions, directory, book, strategy });
 *     return sendPlannedRelay({ prepared, session, plan, signer, domain });
 *   },
 * });
 * ```
 */
export async function relayWithModelFallback<T>({
  parsed,
  relay,
}: RelayWithModelFallbackParameters<T>): Promise<RelayWithModelFallbackReturnType<T>> {
  const models = [parsed.model, ...parsed.fallbackModels];
  const forModel = (index: number): ParsedRelayBody => {
    const model = models[index] as string;
    return index === 0
      ? { ...parsed, fallbackModels: [] }
      : { ...parsed, model, body: { ...parsed.body, model }, fallbackModels: [] };
  };
  const last = models.length - 1;
  for (let index = 0; index < last; index += 1) {
    try {
      return await relay(forModel(index), index);
    } catch (error) {
      if (!isModelFallbackError(error)) throw error;
    }
  }
  return relay(forModel(last), last);
}
