import { z } from "zod";

const hex32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits (32 bytes)")
  .transform((value) => value.toLowerCase() as `0x${string}`);

const uint128Max = (1n << 128n) - 1n;
const weight = z
  .string()
  .regex(/^\d+$/, "must be a decimal string of digits")
  .transform((value) => BigInt(value))
  .refine((value) => value <= uint128Max, "must fit in uint128");

export const trieLeafSchema = z.object({ key: hex32, valueHash: hex32, weight }).strict();

/** stdin of `aviary protocol trie-root`. */
export const trieRootInputSchema = z.object({ leaves: z.array(trieLeafSchema) }).strict();

const decimal = z
  .string()
  .regex(/^\d+$/, "must be a decimal string of digits")
  .transform((value) => BigInt(value));

/**
 * stdin of `aviary protocol trie-prove`: the leaves, which draw (`"sum"` or `"count"`) and the drawn value `r`,
 * already reduced below the root's sum (by sum) or count (by count), as protocol.md §6 defines the draws.
 */
export const trieProveInputSchema = z
  .object({ leaves: z.array(trieLeafSchema).min(1), by: z.enum(["sum", "count"]), r: decimal })
  .strict()
  .superRefine((input, context) => {
    const limit =
      input.by === "sum"
        ? input.leaves.reduce((sum, leaf) => sum + leaf.weight, 0n)
        : BigInt(input.leaves.length);
    if (input.r >= limit)
      context.addIssue({
        code: "custom",
        path: ["r"],
        message: `must be below the root's ${input.by} (${limit})`,
      });
  });
