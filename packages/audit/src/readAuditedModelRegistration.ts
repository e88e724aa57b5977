import { getModel } from "@aviary/sdk";
import { type Address, type Hex, keccak256, type PublicClient, toHex } from "viem";
import { AuditModelNotRegisteredError } from "./errors.ts";

/**
 * An audited model's registration: its id and the `weightsDigest` its source registered, which the gateway's
 * reference copy (a GGUF or an image pipeline) must match.
 *
 * @throws {AuditModelNotRegisteredError} the model is not registered.
 * @example
 * ```ts
 * const { modelId, weightsDigest } = await readAuditedModelRegistration(publicClient, registry, "my-model");
 * ```
 */
export async function readAuditedModelRegistration(
  publicClient: PublicClient,
  registry: Address,
  name: string,
): Promise<{ modelId: Hex; weightsDigest: Hex }> {
  const modelId = keccak256(toHex(name));
  const registered = await getModel(publicClient, { registry, model: modelId });
  if (!registered) throw new AuditModelNotRegisteredError({ model: name });
  return { modelId, weightsDigest: registered.weightsDigest };
}
