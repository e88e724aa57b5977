import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, Hex, PublicClient, ReadContractErrorType } from "viem";

export type GetSupplierOfferParameters = {
  /** The registry contract. */
  registry: Address;
  supplier: Address;
  /** The modelId (`keccak256(bytes(name))`). */
  model: Hex;
  /** The session whose offer to read. @default the current session (`registry.currentSession()`) */
  session?: bigint;
};
export type GetSupplierOfferReturnType = {
  /** False when the supplier has no offer for the model in that session. */
  active: boolean;
  /** Token wei per input unit. */
  inputPrice: bigint;
  /** Token wei per output unit. */
  outputPrice: bigint;
  session: bigint;
};
export type GetSupplierOfferErrorType = ReadContractErrorType;

/**
 * Reads a supplier's offer for a model as of a session (offers change only at session boundaries).
 *
 * @param publicClient - a viem public client on the registry's chain.
 * @param parameters - the registry, supplier, model and optional session.
 * @example
 * ```ts
 * const offer = await getSupplierOffer(publicClient, { registry, supplier, model });
 * if (offer.active) console.log(offer.inputPrice, offer.outputPrice);
 * ```
 */
export async function getSupplierOffer(
  publicClient: PublicClient,
  { registry, supplier, model, session }: GetSupplierOfferParameters,
): Promise<GetSupplierOfferReturnType> {
  const at =
    session ??
    BigInt(
      await publicClient.readContract({
        address: registry,
        abi: aviaryRegistryAbi,
        functionName: "currentSession",
      }),
    );
  const [active, inputPrice, outputPrice] = await publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "offerAt",
    args: [supplier, model, at],
  });
  return { active, inputPrice, outputPrice, session: at };
}
