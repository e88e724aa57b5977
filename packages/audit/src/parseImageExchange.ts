import { imageGenerationRequestSchema, imageRenderRequest, requestedImageUnits } from "@aviary/protocol";
import { z } from "zod";
import type { RelayedResponse } from "./parseRelayedOutput.ts";

/** An image relay as the audits read it: what the signed body asked for and the PNGs that came back. */
export type ParsedImageExchange = {
  request: {
    prompt: string;
    negativePrompt: string | undefined;
    n: number;
    size: string;
    width: number;
    height: number;
    steps: number;
    seed: number;
    guidanceScale: number | undefined;
  };
  /** The returned images' PNG bytes (`data[].b64_json`), in order. */
  images: Uint8Array[];
};

const imageResponseSchema = z.looseObject({
  data: z.array(z.looseObject({ b64_json: z.string().min(1) })),
});

/**
 * Reads an `images/generations` relay: the body as signed (`prepareRelayBody` always writes `n`, `steps`,
 * `size` and `seed`) and the JSON answer's images. `undefined` when it is not an image relay, or the body
 * lacks a seed or size (nothing to re-render), or the answer holds no `b64_json` images.
 *
 * @param route - the relay's route.
 * @param relayBody - the exact body bytes relayed.
 * @param response - what the client received.
 * @example
 * ```ts
 * const parsed = parseImageExchange(exchange.route, exchange.relayBody, exchange.response);
 * ```
 */
export function parseImageExchange(
  route: string,
  relayBody: Uint8Array,
  response: RelayedResponse,
): ParsedImageExchange | undefined {
  if (route !== "images/generations" || response.kind !== "json") return undefined;
  let body: z.output<typeof imageGenerationRequestSchema>;
  let answer: z.output<typeof imageResponseSchema>;
  try {
    const parsedBody = imageGenerationRequestSchema.safeParse(
      JSON.parse(new TextDecoder().decode(relayBody)),
    );
    const parsedAnswer = imageResponseSchema.safeParse(JSON.parse(new TextDecoder().decode(response.body)));
    if (!parsedBody.success || !parsedAnswer.success) return undefined;
    body = parsedBody.data;
    answer = parsedAnswer.data;
  } catch {
    return undefined;
  }
  const render = body.size ? imageRenderRequest(body) : undefined;
  if (!render || render.seed === undefined) return undefined;
  const { steps } = requestedImageUnits(body);
  return {
    request: { ...render, steps, seed: render.seed },
    images: answer.data.map((item) => new Uint8Array(Buffer.from(item.b64_json, "base64"))),
  };
}
