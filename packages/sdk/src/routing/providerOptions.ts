import { z } from "zod";
import { ProviderOptionsInvalidError } from "./errors.ts";
import { parseDecimal } from "./isPriceWithin.ts";

const addressPattern = /^0x[0-9a-fA-F]{40}$/;

function isEndpointUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** A supplier identifier: an operator address (any case) or an endpoint URL (http or https). */
const supplierIdSchema = z
  .string({ error: "must be a string (a supplier address or endpoint URL)" })
  .trim()
  .refine((value) => addressPattern.test(value) || isEndpointUrl(value), {
    error: "must be a supplier address (0x + 40 hex digits) or an http(s) endpoint URL",
  });

const supplierListSchema = (field: string) =>
  z
    .array(supplierIdSchema, { error: `must be an array of supplier addresses or endpoint URLs` })
    .min(1, { error: `must list at least one supplier; omit \`${field}\` to allow all` })
    .max(256, { error: "must list at most 256 suppliers" });

/** A price ceiling in token wei per token: a non-negative decimal, as a number or a string. */
const maxPriceValueSchema = z
  .union([z.number(), z.string()], { error: "must be a non-negative decimal (number or string)" })
  .refine((value) => parseDecimal(value) !== null, {
    error: 'must be a non-negative decimal in token wei per token (e.g. 1000 or "0.5")',
  });

/** OpenRouter `provider` keys Aviary does not implement, and why: refused by name, never silently dropped. */
const unimplementedKeys: Record<string, string> = {
  quantizations:
    "is not implemented by Aviary: every supplier of a model serves the same registered weights file",
  zdr: 'is not implemented by Aviary: use `data_collection: "deny"` (suppliers that declare zero retention)',
  enforce_distillable_text: "is not implemented by Aviary",
  preferred_min_throughput: 'is not implemented by Aviary: use `sort: "throughput"`',
  preferred_max_latency: 'is not implemented by Aviary: use `sort: "latency"`',
  experimental: "is not implemented by Aviary",
};

/** OpenRouter `max_price` keys Aviary does not price. */
const unimplementedPriceKeys: Record<string, string> = {
  request: "is not implemented by Aviary: suppliers price tokens only",
  image: "is not implemented by Aviary: suppliers price tokens only",
  audio: "is not implemented by Aviary: suppliers price tokens only",
  web_search: "is not implemented by Aviary: suppliers price tokens only",
  internal_reasoning: "is not implemented by Aviary: suppliers price tokens only",
};

/**
 * OpenRouter-style `provider` request options, as Aviary reads them. Supplier identifiers are operator
 * addresses (case-insensitive) or endpoint URLs.
 *
 * - `order`: suppliers to try first, in this order.
 * - `only`: allow only these suppliers. `ignore`: never use these (wins over `only` and `order`).
 * - `sort`: rank by `"price"`, `"throughput"` or `"latency"` instead of the gateway's strategy.
 * - `max_price`: ceilings `{ prompt, completion }` in token wei per token (decimal), compared exactly
 *   with the supplier's input / output price.
 * - `allow_fallbacks` (default `true`): when `false`, only the suppliers in `order` are used, or only the
 *   primary (top-ranked) supplier when `order` is not given.
 * - `require_parameters` (default `true`, the only value): a request goes only to suppliers whose declared
 *   capabilities honour every field it sets. `false` is refused: Aviary never drops a field to find a supplier.
 * - `data_collection` (default `"allow"`): `"deny"` keeps only suppliers that declare they retain no prompt or
 *   output (`dataRetention: "none"` in their capabilities).
 *
 * Unknown keys are refused (400 `invalid_provider` naming `provider.<key>`), OpenRouter keys Aviary does not
 * implement (`quantizations`, `zdr`, a `sort` object, …) with a message saying so: an option the client
 * believes applied must never be dropped silently. Use strings for `max_price` values above 2^53: numbers
 * lose precision there.
 *
 * @example
 * ```ts
 * const provider = providerOptionsSchema.parse({ sort: "price", max_price: { completion: "2000" } });
 * ```
 */
export const providerOptionsSchema = z
  .object(
    {
      order: supplierListSchema("order").optional(),
      only: supplierListSchema("only").optional(),
      ignore: supplierListSchema("ignore").optional(),
      sort: z
        .enum(["price", "throughput", "latency"], {
          error: 'must be one of "price", "throughput", "latency"',
        })
        .optional(),
      max_price: z
        .object(
          { prompt: maxPriceValueSchema.optional(), completion: maxPriceValueSchema.optional() },
          { error: "must be an object { prompt?, completion? } in token wei per token" },
        )
        .strict()
        .optional(),
      allow_fallbacks: z.boolean({ error: "must be a boolean" }).default(true),
      require_parameters: z
        .literal(true, {
          error:
            "must be true (the default): Aviary only sends a request to suppliers that honour every field it sets, and never drops a field to find one",
        })
        .default(true),
      data_collection: z.enum(["allow", "deny"], { error: 'must be "allow" or "deny"' }).default("allow"),
    },
    { error: "must be an object" },
  )
  .strict();

/** Parsed `provider` options (`allow_fallbacks`, `require_parameters`, `data_collection` filled in). */
export type ProviderOptions = z.output<typeof providerOptionsSchema>;
/** `provider` options as a caller writes them (the defaulted keys optional). */
export type ProviderOptionsInput = z.input<typeof providerOptionsSchema>;

/**
 * Parses a request's `provider` options, throwing an error that names the offending field.
 *
 * @param input - the `provider` value of a request body (unknown JSON).
 * @returns the parsed options.
 * @throws {ProviderOptionsInvalidError} naming the field, e.g. `provider.max_price.prompt`.
 * @example
 * ```ts
 * const provider = parseProviderOptions(body.provider ?? {});
 * ```
 */
export function parseProviderOptions(input: unknown): ProviderOptions {
  refuseUnknownKeys(input);
  const result = providerOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = ["provider", ...(issue?.path ?? []).map(String)].join(".");
  throw new ProviderOptionsInvalidError({
    field,
    reason: issue?.message ?? "invalid value",
    cause: result.error,
  });
}

/** Names the first key Aviary does not read (zod's strict mode would only name the object). */
function refuseUnknownKeys(input: unknown): void {
  if (!isPlainObject(input)) return;
  const shape = providerOptionsSchema.shape;
  for (const key of Object.keys(input)) {
    if (key in shape) continue;
    throw new ProviderOptionsInvalidError({
      field: `provider.${key}`,
      reason:
        unimplementedKeys[key] ??
        "is not a provider option Aviary knows (order, only, ignore, sort, max_price, allow_fallbacks, require_parameters, data_collection)",
      unknownKey: true,
    });
  }
  if (isPlainObject(input.sort)) {
    throw new ProviderOptionsInvalidError({
      field: "provider.sort",
      reason:
        'as an object ({ by, partition }) is not implemented by Aviary: use "price", "throughput" or "latency"',
      unknownKey: true,
    });
  }
  if (isPlainObject(input.max_price)) {
    for (const key of Object.keys(input.max_price)) {
      if (key === "prompt" || key === "completion") continue;
      throw new ProviderOptionsInvalidError({
        field: `provider.max_price.${key}`,
        reason: unimplementedPriceKeys[key] ?? "is not a price Aviary knows (prompt, completion)",
        unknownKey: true,
      });
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
