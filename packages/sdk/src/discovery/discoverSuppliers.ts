import { aviaryRegistryAbi, type ModelCapabilities } from "@aviary/protocol";
import { type Address, getAddress, type Hex, type PublicClient } from "viem";
import { z } from "zod";
import { ChainReadError } from "../errors.ts";

/** A supplier that offers a model in a session: where to send relays, who signs its receipts, its prices. */
export type SupplierCandidateInfo = {
  /** The supplier (owner) address named in relay requests. */
  address: Address;
  /** Its endpoint URL without a trailing slash, e.g. `https://supplier.example.com`. */
  endpoint: string;
  /** The operator key that signs its receipts in that session. */
  operator: Address;
  /** Token wei per input unit in that session. */
  inputPrice: bigint;
  /** Token wei per output unit in that session. */
  outputPrice: bigint;
  /**
   * What the supplier declares for the model in `GET /v1/supplier` (off chain, read by `SupplierDirectory`);
   * absent when not known: routing then takes `UNKNOWN_MODEL_CAPABILITIES` (plain requests only).
   */
  capabilities?: ModelCapabilities;
};

export type DiscoverSuppliersParameters = {
  publicClient: PublicClient;
  /** The registry contract. */
  registry: Address;
  /** The modelId (`keccak256(bytes(name))`). */
  model: Hex;
  /** The session whose offers and operators to read. */
  session: bigint;
  /** Suppliers read per `suppliers(offset, limit)` call. @default 100 */
  pageSize?: number;
};
export type DiscoverSuppliersReturnType = SupplierCandidateInfo[];
export type DiscoverSuppliersErrorType = ChainReadError;

/** Endpoints come from the chain, written by anyone who staked: only plain http(s) URLs are used. */
const endpointSchema = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === ""
      );
    } catch {
      return false;
    }
  })
  .transform((value) => value.replace(/\/+$/, ""));

/**
 * Finds the suppliers with an active offer for `model` in `session`: pages over `suppliers(offset, limit)`, reads
 * each one's `offerAt`, then the endpoint and the session's operator of those that offer it. Suppliers whose
 * endpoint is not an http(s) URL are left out. Costs a few RPC calls per supplier: cache the result per
 * session ({@link SupplierDirectory}).
 *
 * @param parameters - the client, registry, model and session.
 * @throws {ChainReadError} when the chain cannot be read.
 * @example
 * ```ts
 * const candidates = await discoverSuppliers({ publicClient, registry, model: keccak256(toHex("my-model")), session: 12n });
 * ```
 */
export async function discoverSuppliers({
  publicClient,
  registry,
  model,
  session,
  pageSize = 100,
}: DiscoverSuppliersParameters): Promise<DiscoverSuppliersReturnType> {
  const contract = { address: registry, abi: aviaryRegistryAbi } as const;
  try {
    const candidates: SupplierCandidateInfo[] = [];
    for (let offset = 0n; ; offset += BigInt(pageSize)) {
      const page = await publicClient.readContract({
        ...contract,
        functionName: "suppliers",
        args: [offset, BigInt(pageSize)],
      });
      const found = await Promise.all(
        page.map(async (supplier): Promise<SupplierCandidateInfo | undefined> => {
          const [active, inputPrice, outputPrice] = await publicClient.readContract({
            ...contract,
            functionName: "offerAt",
            args: [supplier, model, session],
          });
          if (!active) return undefined;
          const [endpoint, operator] = await Promise.all([
            publicClient.readContract({ ...contract, functionName: "supplierEndpoint", args: [supplier] }),
            publicClient.readContract({
              ...contract,
              functionName: "supplierOperatorAt",
              args: [supplier, session],
            }),
          ]);
          const url = endpointSchema.safeParse(endpoint);
          if (!url.success || operator === "0x0000000000000000000000000000000000000000") return undefined;
          return {
            address: getAddress(supplier),
            endpoint: url.data,
            operator: getAddress(operator),
            inputPrice,
            outputPrice,
          };
        }),
      );
      for (const candidate of found) if (candidate) candidates.push(candidate);
      if (page.length < pageSize) break;
    }
    return candidates;
  } catch (cause) {
    throw new ChainReadError({ what: `the suppliers of model ${model} in session ${session}`, cause });
  }
}
