import { openAiErrorResponse } from "@aviary/protocol";
import type { ImageStore } from "./ImageStore.ts";

export type AnswerImageUrlsParameters = {
  /** The relay's answer (`{ created, data: [{ b64_json }], usage }` when it succeeded). */
  response: Response;
  images: ImageStore;
  /** Where the gateway is reached, e.g. `https://gateway.example` (no trailing slash). */
  origin: string;
};
export type AnswerImageUrlsReturnType = Response;

/**
 * A `response_format: "url"` answer from the base64 one the supplier gave (the gateway always relays
 * `b64_json`, so the receipt covers the image bytes): each PNG kept in `images`, its entry replaced by
 * `{ url: "<origin>/v1/images/<id>.png" }`; `created` and `usage` as they were. A failed relay passes through.
 *
 * @param parameters - the answer, the store, the origin.
 * @example
 * ```ts
 * return answerImageUrls({ response, images, origin: "http://127.0.0.1:8080" });
 * ```
 */
export async function answerImageUrls({
  response,
  images,
  origin,
}: AnswerImageUrlsParameters): Promise<AnswerImageUrlsReturnType> {
  if (response.status !== 200) return response;
  const answer = (await response.json()) as { data?: { b64_json?: unknown }[] } & Record<string, unknown>;
  const data: { url: string }[] = [];
  for (const entry of answer.data ?? []) {
    const id =
      typeof entry.b64_json === "string" ? images.put(Buffer.from(entry.b64_json, "base64")) : undefined;
    if (id === undefined) {
      return openAiErrorResponse(
        500,
        "image_store_full",
        "The gateway could not keep the image for a URL; ask for response_format b64_json.",
      );
    }
    data.push({ url: `${origin}/v1/images/${id}.png` });
  }
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify({ ...answer, data }), { status: 200, headers });
}
