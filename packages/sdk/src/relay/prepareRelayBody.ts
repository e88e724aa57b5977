import { randomInt } from "node:crypto";
import { DEFAULT_IMAGE_SIZE, keccak256Hex, requestedImageUnits } from "@aviary/protocol";
import type { Hex } from "viem";
import { estimateMaxCost } from "./estimateMaxCost.ts";
import type { ParsedRelayBody } from "./parseRelayBody.ts";

export type PrepareRelayBodyParameters = {
  parsed: ParsedRelayBody;
  /** Output tokens signed for when the body sets no limit. @default 256 */
  defaultMaxTokens?: number;
};

/** A relay's body as every attempt sends it, hashed once, with the token bounds its `maxCost` prices. */
export type PreparedRelayBody = ParsedRelayBody & {
  /** `keccak256(model name)`: the registry's model id. */
  modelId: Hex;
  /** The exact bytes sent to every supplier (what `request.bodyHash` covers). */
  bytes: Uint8Array;
  /** `keccak256(bytes)`. */
  bodyHash: Hex;
  /** Upper bound of the prompt's tokens (see `estimateMaxCost`). */
  inputUnits: bigint;
  /** The output limit the body now states as `max_tokens` (0 for embeddings). */
  outputUnits: bigint;
};
export type PrepareRelayBodyReturnType = PreparedRelayBody;

const encoder = new TextEncoder();

/**
 * The bytes a relay sends, fixed once for all its attempts: the output limit is written into the body as
 * `max_tokens` (`max_completion_tokens` dropped) so that the supplier can never generate past what `maxCost`
 * covers; a stream always asks for usage (`stream_options.include_usage`: the last event is what the receipt
 * states, and clients get it too). Hashes the bytes and the model name here, once per relay.
 *
 * @param parameters - the parsed body and the default output limit.
 * @example
 * ```ts
 * const prepared = prepareRelayBody({ parsed: parseRelayBody({ route, bytes }) });
 * const maxCost = relayMaxCost(prepared, supplier); // per supplier, at its prices
 * ```
 */
export function prepareRelayBody({
  parsed,
  defaultMaxTokens,
}: PrepareRelayBodyParameters): PrepareRelayBodyReturnType {
  const { route } = parsed;
  const body = { ...parsed.body };
  // Token bounds shared by every Aviary client: prompt ≤ UTF-8 bytes + 16 per message, output ≤ the limit.
  const bounds = estimateMaxCost({ route, body, inputPrice: 0n, outputPrice: 0n, defaultMaxTokens });
  if (route === "images/generations") {
    // What maxCost prices is stated in the body, so the supplier renders exactly that: n, steps, size, and a
    // seed (drawn here when the client gave none), which also makes every image relay reproducible by an audit.
    const { images, steps } = requestedImageUnits(body as { n?: number; steps?: number });
    body.n = images;
    body.steps = steps;
    body.size ??= DEFAULT_IMAGE_SIZE;
    body.seed ??= randomInt(0, 0x1_0000_0000);
    // Suppliers answer base64; a gateway serves `url` answers from those bytes itself.
    body.response_format = "b64_json";
  } else if (route !== "embeddings") body.max_tokens = Number(bounds.outputUnits);
  delete body.max_completion_tokens;
  if (parsed.stream) {
    const options =
      typeof body.stream_options === "object" && body.stream_options !== null ? body.stream_options : {};
    body.stream_options = { ...options, include_usage: true };
  }
  const bytes = encoder.encode(JSON.stringify(body));
  return {
    ...parsed,
    body,
    modelId: modelIdOf(parsed.model),
    bytes,
    bodyHash: keccak256Hex(bytes),
    inputUnits: bounds.inputUnits,
    outputUnits: bounds.outputUnits,
  };
}

/**
 * What a relay may cost at most at one supplier's prices: the `maxCost` to sign for it.
 *
 * @param prepared - the prepared body (its token bounds).
 * @param prices - the supplier's offer.
 * @example
 * ```ts
 * const maxCost = relayMaxCost(prepared, { inputPrice: 10n, outputPrice: 30n });
 * ```
 */
export function relayMaxCost(
  prepared: Pick<PreparedRelayBody, "inputUnits" | "outputUnits">,
  prices: { inputPrice: bigint; outputPrice: bigint },
): bigint {
  return prepared.inputUnits * prices.inputPrice + prepared.outputUnits * prices.outputPrice;
}

/** Model ids by name: the few names a node serves repeat on every relay. */
const modelIds = new Map<string, Hex>();

function modelIdOf(name: string): Hex {
  let id = modelIds.get(name);
  if (id === undefined) {
    id = keccak256Hex(encoder.encode(name));
    if (modelIds.size >= 1_000) modelIds.clear();
    modelIds.set(name, id);
  }
  return id;
}
