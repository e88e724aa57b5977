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
 *
 * Unknown keys (OpenRouter has more, e.g. `quantizations`) are dropped, not refused, so OpenRouter
 * clients keep working. Use strings for `max_price` values above 2^53: numbers lose precision there.
 *
 * @example
 * ```ts
 * const provider = providerOptionsSchema.parse({ sort: "price", max_price: { completion: "2000" } });
 * ```
 */
export const providerOptionsSchema = z.object(
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
      .optional(),
    allow_fallbacks: z.boolean({ error: "must be a boolean" }).default(true),
  },
  { error: "must be an object" },
);

/** Parsed `provider` options (`allow_fallbacks` filled in). */
export type ProviderOptions = z.output<typeof providerOptionsSchema>;
/** `provider` options as a caller writes them (`allow_fallbacks` optional, default `true`). */
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
