import type { Address, Hex } from "viem";
import { z } from "zod";

/**
 * A `bytes<n>` value as `0x`-prefixed hex of exactly `n` bytes (any case).
 *
 * @example
 * ```ts
 * hexBytesSchema(32).parse("0x" + "ab".repeat(32));
 * ```
 */
export function hexBytesSchema(bytes: number) {
  return z
    .string()
    .regex(
      new RegExp(`^0x[0-9a-fA-F]{${2 * bytes}}$`),
      `must be 0x followed by ${2 * bytes} hex digits (${bytes} bytes)`,
    )
    .transform((value) => value as Hex);
}

/**
 * An unsigned integer of `bits` bits, parsed to bigint from a bigint, a safe integer number, or a decimal string
 * (JSON has no bigint).
 *
 * @example
 * ```ts
 * uintSchema(64).parse("42"); // 42n
 * ```
 */
export function uintSchema(bits: number) {
  const limit = 1n << BigInt(bits);
  return z
    .union([
      z.bigint(),
      z.number().int().nonnegative(),
      z.string().regex(/^(0|[1-9][0-9]*)$/, "must be decimal digits"),
    ])
    .transform((value) => BigInt(value))
    .refine((value) => value >= 0n && value < limit, `must fit in uint${bits}`);
}

/** A 20-byte address as hex (checksum not enforced; any case). */
export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be 0x followed by 40 hex digits (an address)")
  .transform((value) => value as Address);

/** A 32-byte value as hex. */
export const bytes32Schema = hexBytesSchema(32);

/** A 65-byte `r ‖ s ‖ v` signature as hex. */
export const signatureSchema = hexBytesSchema(65);

/**
 * A RelayRequest (protocol.md §4), as the contract's struct.
 *
 * @example
 * ```ts
 * const request = relayRequestSchema.parse(JSON.parse(body)); // uints may arrive as decimal strings
 * ```
 */
export const relayRequestSchema = z.object({
  application: addressSchema,
  supplier: addressSchema,
  model: bytes32Schema,
  session: uintSchema(64),
  nonce: uintSchema(64),
  bodyHash: bytes32Schema,
  inputPrice: uintSchema(128),
  outputPrice: uintSchema(128),
  maxCost: uintSchema(128),
});

/**
 * A RelayReceipt (protocol.md §4); `request` is the request's EIP-712 struct hash.
 *
 * @example
 * ```ts
 * const receipt = relayReceiptSchema.parse({ request, responseHash, inputUnits: "12", outputUnits: "30" });
 * ```
 */
export const relayReceiptSchema = z.object({
  request: bytes32Schema,
  responseHash: bytes32Schema,
  inputUnits: uintSchema(64),
  outputUnits: uintSchema(64),
});

/**
 * A whole signed relay: the contract's `LeafValue`.
 *
 * @example
 * ```ts
 * const relay = signedRelaySchema.parse(stored);
 * ```
 */
export const signedRelaySchema = z.object({
  request: relayRequestSchema,
  requestSignature: signatureSchema,
  receipt: relayReceiptSchema,
  receiptSignature: signatureSchema,
});

/** A RelayRequest with uints as bigint. */
export type RelayRequest = z.output<typeof relayRequestSchema>;
/** A RelayReceipt with uints as bigint. */
export type RelayReceipt = z.output<typeof relayReceiptSchema>;
/** A request, a receipt and their signatures (the contract's `LeafValue`). */
export type SignedRelay = z.output<typeof signedRelaySchema>;
