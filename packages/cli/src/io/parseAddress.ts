import { type Address, getAddress, isAddress } from "viem";
import { CliInputError } from "../errors.ts";

/**
 * Validates an address given on the command line and returns it checksummed (EIP-55). All-lowercase and
 * all-uppercase hex is accepted; mixed case must carry a correct checksum.
 *
 * @param value - what the user typed.
 * @param option - the option or argument it came from, e.g. `--gateway`, for the error message.
 * @example
 * parseAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "--gateway"); // 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
 */
export function parseAddress(value: string, option: string): Address {
  const trimmed = value.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(trimmed)) {
    throw new CliInputError(
      `${option} must be an 0x-prefixed 20-byte address (40 hex digits), got "${value}".`,
    );
  }
  const digits = trimmed.slice(2);
  const singleCase = digits === digits.toLowerCase() || digits === digits.toUpperCase();
  if (!singleCase && !isAddress(trimmed, { strict: true })) {
    throw new CliInputError(
      `${option} "${value}" has a wrong EIP-55 checksum (its mixed case is not valid).`,
      [`Check for a typo, or pass it all lowercase: ${trimmed.toLowerCase()}`],
    );
  }
  return getAddress(trimmed);
}
