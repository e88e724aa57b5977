import { BPS } from "../constants.ts";
import { ValueOutOfRangeError } from "../errors/values.ts";
import { assertUint } from "./assertUint.ts";

export type SplitPaymentParameters = {
  /** The paid amount (`settlementPayout`). */
  pay: bigint;
  /** The model source's share in basis points (≤ maxSourceShareBps). */
  sourceShareBps: bigint | number;
  /** The treasury's share in basis points (devnet 500). */
  protocolShareBps: bigint | number;
};
export type SplitPaymentReturnType = { toSource: bigint; toTreasury: bigint; toSupplier: bigint };
export type SplitPaymentErrorType = ValueOutOfRangeError;

/**
 * Splits a payment: `toSource = floor(pay · sourceShareBps / 10000)`, `toTreasury = floor(pay · protocolShareBps / 10000)`,
 * `toSupplier` the rest, so the three always add up to `pay` exactly.
 *
 * @throws {ValueOutOfRangeError} when a share is negative or both together exceed 10000.
 * @example
 * ```ts
 * splitPayment({ pay: 10_001n, sourceShareBps: 1000, protocolShareBps: 500 });
 * // { toSource: 1000n, toTreasury: 500n, toSupplier: 8501n }
 * ```
 */
export function splitPayment({
  pay,
  sourceShareBps,
  protocolShareBps,
}: SplitPaymentParameters): SplitPaymentReturnType {
  assertUint(pay, 256, "pay");
  const source = toBps(sourceShareBps, "sourceShareBps");
  const protocol = toBps(protocolShareBps, "protocolShareBps");
  if (source + protocol > BPS)
    throw new ValueOutOfRangeError({
      name: "sourceShareBps + protocolShareBps",
      value: source + protocol,
      type: "share ≤ 10000 bps",
    });
  const toSource = (pay * source) / BPS;
  const toTreasury = (pay * protocol) / BPS;
  return { toSource, toTreasury, toSupplier: pay - toSource - toTreasury };
}

function toBps(value: bigint | number, name: string): bigint {
  const big = typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof big !== "bigint" || big < 0n || big > BPS)
    throw new ValueOutOfRangeError({ name, value, type: "bps in [0, 10000]" });
  return big;
}
