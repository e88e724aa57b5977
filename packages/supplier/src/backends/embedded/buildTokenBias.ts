import { type LlamaModel, type Token, TokenBias } from "node-llama-cpp";
import { BackendInvalidRequestError } from "../errors.ts";
import { vocabularySize } from "./vocabularySize.ts";

export type BuildTokenBiasErrorType = BackendInvalidRequestError;

/**
 * The runtime's `TokenBias` for OpenAI's `logit_bias`: each bias is added to its token's logit (-100 all but
 * bans a token, +100 all but forces it), before penalties, temperature and top-p, as OpenAI describes.
 *
 * @param model - the model the generation runs on.
 * @param logitBias - token id → bias, from the request.
 * @returns undefined when there is no bias (the runtime then skips the sampler stage).
 * @throws {BackendInvalidRequestError} naming `logit_bias.<id>` for an id outside the vocabulary, or for an
 * end-of-generation token: node-llama-cpp ignores biases on those, and a silently dropped bias is what this
 * refusal exists to avoid.
 * @example
 * ```ts
 * const tokenBias = buildTokenBias(model, new Map([[42, -100]]));
 * ```
 */
export function buildTokenBias(
  model: LlamaModel,
  logitBias: ReadonlyMap<number, number>,
): TokenBias | undefined {
  if (logitBias.size === 0) return undefined;
  const size = vocabularySize(model);
  const tokenBias = TokenBias.for(model);
  for (const [id, bias] of logitBias) {
    const token = id as Token;
    if (token >= size) {
      throw new BackendInvalidRequestError({
        reason: `\`logit_bias.${token}\`: not a token of this model (its ids are 0 to ${size - 1})`,
      });
    }
    if (model.isEogToken(token)) {
      throw new BackendInvalidRequestError({
        reason: `\`logit_bias.${token}\`: an end-of-generation token, which this runtime cannot bias`,
      });
    }
    tokenBias.set(token, { logit: bias });
  }
  return tokenBias;
}
