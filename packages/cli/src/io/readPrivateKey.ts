import type { Hex } from "viem";
import { CliInputError } from "../errors.ts";

/**
 * Reads a private key from an environment variable (keys never go on the command line, where `ps` and shell
 * history would show them).
 *
 * @param variable - the variable's name, e.g. `AVIARY_APP_KEY` (or the one `--key-env` named).
 * @param purpose - what needs it, for the error message, e.g. "Staking an application".
 * @example
 * const key = readPrivateKey("AVIARY_APP_KEY", "Staking an application");
 */
export function readPrivateKey(variable: string, purpose: string): Hex {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new CliInputError(`--key-env must name an environment variable, got "${variable}".`);
  }
  const value = process.env[variable]?.trim();
  if (!value) {
    throw new CliInputError(`${purpose} needs a private key in ${variable}.`, [
      `Set it: ${variable}=0x… (0x + 64 hex digits), or name another variable with --key-env.`,
    ]);
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new CliInputError(`${variable} must be a private key: 0x followed by 64 hex digits.`);
  }
  return value as Hex;
}
