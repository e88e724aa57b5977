/**
 * Route parameter parsers: each returns the canonical value or throws {@link ExplorerBadRequestError}
 * (rendered as 400 with the message). One module: three one-line checks read best together.
 * @module
 */
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { ExplorerBadRequestError } from "../errors.ts";

/**
 * An address (any case) as its checksummed form.
 *
 * @example
 * ```ts
 * parseAddressParameter("supplier address", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
 * ```
 */
export function parseAddressParameter(name: string, value: string): Address {
  if (!isAddress(value, { strict: false })) {
    throw new ExplorerBadRequestError(name, value, "an 0x-prefixed 20-byte hex address");
  }
  return getAddress(value);
}

/**
 * A 32-byte hex value (model id, claim key), lower-cased as logs decode them.
 *
 * @example
 * ```ts
 * parseBytes32Parameter("claim key", "0xab…");
 * ```
 */
export function parseBytes32Parameter(name: string, value: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new ExplorerBadRequestError(name, value, "an 0x-prefixed 32-byte hex value (64 hex digits)");
  }
  return value.toLowerCase() as Hex;
}
