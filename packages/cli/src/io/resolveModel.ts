import { type AviaryModel, getModel } from "@aviary/sdk";
import { type Address, type Hex, keccak256, type PublicClient, stringToBytes } from "viem";
import { CliInputError } from "../errors.ts";

/**
 * Finds a registered model by name (its id is `keccak256(bytes(name))`) or by id (0x + 64 hex digits), or
 * fails with an error that names what was asked for.
 *
 * @param publicClient - a client on the registry's chain.
 * @param registry - the registry contract.
 * @param nameOrId - what the user typed.
 * @param what - where it came from, for the error message, e.g. "model" or "--model".
 * @example
 * const model = await resolveModel(publicClient, registry, "aviary-test-model", "model");
 */
export async function resolveModel(
  publicClient: PublicClient,
  registry: Address,
  nameOrId: string,
  what: string,
): Promise<AviaryModel> {
  if (nameOrId.trim() === "") throw new CliInputError(`${what} must be a model name or id, got "".`);
  const modelId = /^0x[0-9a-fA-F]{64}$/.test(nameOrId)
    ? (nameOrId.toLowerCase() as Hex)
    : keccak256(stringToBytes(nameOrId));
  const model = await getModel(publicClient, { registry, model: modelId });
  if (model === undefined) {
    throw new CliInputError(`Unknown model "${nameOrId}": no model with that name or id is registered.`, [
      "`aviary model list` shows the registered models.",
    ]);
  }
  return model;
}
