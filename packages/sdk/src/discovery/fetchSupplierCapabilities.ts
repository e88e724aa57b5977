import type { ModelCapabilities } from "@aviary/protocol";
import type { Hex } from "viem";
import { z } from "zod";
import { SupplierCapabilitiesError } from "../errors.ts";

/**
 * What a supplier is taken to support when it declares nothing (its `GET /v1/supplier` failed, timed out, or
 * has no `capabilities` for the model): an embedded runtime without tools, JSON output, log-probabilities or
 * images. It still gets every plain request; a request that needs more goes to suppliers that declare it.
 */
export const UNKNOWN_MODEL_CAPABILITIES: ModelCapabilities = Object.freeze({
  backend: "embedded",
  tools: false,
  jsonSchema: false,
  logprobs: false,
  images: false,
  contextLength: null,
  dataRetention: "unspecified",
});

/** What an image model renders; a malformed one is taken as no image generation at all. */
const imageCapabilitiesSchema = z.object({
  sizes: z
    .array(z.string().regex(/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/))
    .min(1)
    .max(64),
  maxSteps: z.number().int().positive(),
  maxPromptCharacters: z.number().int().positive(),
});

/** The supplier's declaration, as read: what is missing or malformed is taken as not supported. */
const capabilitiesSchema = z.object({
  backend: z.enum(["embedded", "openai"]),
  tools: z.boolean().catch(false),
  jsonSchema: z.boolean().catch(false),
  logprobs: z.boolean().catch(false),
  images: z.boolean().catch(false),
  contextLength: z.number().int().positive().nullable().catch(null),
  dataRetention: z.enum(["none", "unspecified"]).catch("unspecified"),
  image: imageCapabilitiesSchema.optional().catch(undefined),
});

const supplierSchema = z.object({
  models: z
    .array(
      z.object({
        modelId: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
        capabilities: z.unknown().optional(),
      }),
    )
    .max(1_000),
});

export type FetchSupplierCapabilitiesParameters = {
  /** The supplier's endpoint, without a trailing slash. */
  endpoint: string;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** The whole exchange, ms: discovery waits for it. @default 2_000 */
  timeoutMs?: number;
  /** Larger answers are refused. @default 1 MiB */
  maxBytes?: number;
};
/** Per modelId (lower case): the models whose declaration parsed. */
export type FetchSupplierCapabilitiesReturnType = Map<string, ModelCapabilities>;
export type FetchSupplierCapabilitiesErrorType = SupplierCapabilitiesError;

/**
 * Reads what a supplier declares it supports, per model, from `GET {endpoint}/v1/supplier`
 * (`models[].capabilities`). The endpoint is untrusted: the answer is bounded in time and size and parsed
 * with zod; a model whose declaration does not parse is left out (its capabilities stay unknown: see
 * {@link UNKNOWN_MODEL_CAPABILITIES}). Suppliers check every request against their own declaration too, so a
 * supplier that over-declares only refuses, never drops a field.
 *
 * @param parameters - the endpoint, optional fetch, timeout and size limit.
 * @throws {SupplierCapabilitiesError} when the route cannot be read or is not a supplier's answer.
 * @example
 * ```ts
 * const capabilities = await fetchSupplierCapabilities({ endpoint: "http://127.0.0.1:8081" });
 * capabilities.get(modelId.toLowerCase())?.tools;
 * ```
 */
export async function fetchSupplierCapabilities({
  endpoint,
  fetch = globalThis.fetch,
  timeoutMs = 2_000,
  maxBytes = 1 << 20,
}: FetchSupplierCapabilitiesParameters): Promise<FetchSupplierCapabilitiesReturnType> {
  let json: unknown;
  try {
    const response = await fetch(`${endpoint}/v1/supplier`, {
      headers: { accept: "application/json" },
      // The endpoint comes from the chain: a redirect could point the gateway at any address, so none is followed.
      redirect: "error",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`answered ${response.status}`);
    }
    json = JSON.parse(await readBounded(response, maxBytes));
  } catch (cause) {
    throw new SupplierCapabilitiesError({ endpoint, cause });
  }
  const parsed = supplierSchema.safeParse(json);
  if (!parsed.success) throw new SupplierCapabilitiesError({ endpoint, cause: parsed.error });
  const capabilities = new Map<string, ModelCapabilities>();
  for (const model of parsed.data.models) {
    const declared = capabilitiesSchema.safeParse(model.capabilities);
    if (!declared.success) continue;
    const { image, ...text } = declared.data;
    // `image` is present exactly when the model generates images (what `unsupportedRequestField` reads).
    capabilities.set((model.modelId as Hex).toLowerCase(), image ? { ...text, image } : text);
  }
  return capabilities;
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new Error(`the answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
