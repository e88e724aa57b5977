import type { Address, PublicClient } from "viem";
import { type AviaryModel, listModels } from "../actions/listModels.ts";
import type { SupplierCandidateInfo } from "../discovery/discoverSuppliers.ts";
import type { SupplierDirectory } from "../discovery/SupplierDirectory.ts";
import { ChainReadError } from "../errors.ts";

/** One entry of `GET /v1/models`: OpenAI's model object, plus what Aviary knows of the offer. */
export type OfferedModel = {
  id: string;
  object: "model";
  /** Unix time (seconds) of the block the model was registered in, as OpenAI's `created`. */
  created: number;
  /** The model's source (the payee of its source share). */
  owned_by: string;
  kind: AviaryModel["kind"];
  /** sha256 of the weights file, as registered. */
  weights_digest: string;
  /** Suppliers offering it in the session relays name. */
  suppliers: number;
  /**
   * The lowest offers, decimal strings: per token for text models; for image models `prompt` is 0 and
   * `completion` is the price of one image·step (a relay costs n × steps × it).
   */
  pricing: { prompt: string; completion: string; unit: "token wei per token" | "token wei per image·step" };
};

export type CreateModelListingParameters = {
  publicClient: PublicClient;
  registry: Address;
  /** Where the scan for `ModelRegistered` starts (the registry's deployment block). @default 0n */
  fromBlock?: bigint;
  directory: Pick<SupplierDirectory, "get">;
  /** The sessions relays may name, in preference order (as for `planRelay`). */
  sessions: () => readonly bigint[] | Promise<readonly bigint[]>;
  /** How long a listing is reused, ms. @default 5_000 */
  cacheMs?: number;
};
/** Lists the offered models (cached for `cacheMs`). */
export type ModelListing = () => Promise<OfferedModel[]>;
export type CreateModelListingReturnType = ModelListing;

/**
 * The `GET /v1/models` listing both the gateway and `createAviaryFetch` answer: every registered model some
 * supplier offers in the session relays name (the lagged one, else the head's), in OpenAI's list-entry shape
 * with a Unix `created` (the registration block's timestamp), the supplier count and the lowest prices.
 *
 * @param parameters - the chain, the registry, the directory, the sessions, the cache lifetime.
 * @returns a function answering the listing (cached); it rejects with {@link ChainReadError}.
 * @example
 * ```ts
 * const listing = createModelListing({ publicClient, registry, directory, sessions: () => [session] });
 * const data = await listing(); // [{ id, object: "model", created, pricing, ... }]
 * ```
 */
export function createModelListing(parameters: CreateModelListingParameters): CreateModelListingReturnType {
  const { publicClient, registry } = parameters;
  const cacheMs = parameters.cacheMs ?? 5_000;
  // A block's timestamp never changes: each registration block is read once.
  const blockTimes = new Map<bigint, Promise<number>>();
  const blockTime = (blockNumber: bigint) => {
    let time = blockTimes.get(blockNumber);
    if (!time) {
      time = publicClient.getBlock({ blockNumber }).then((block) => Number(block.timestamp));
      blockTimes.set(blockNumber, time);
      time.catch(() => blockTimes.delete(blockNumber));
    }
    return time;
  };
  const offersOf = async (model: AviaryModel): Promise<SupplierCandidateInfo[]> => {
    let suppliers: SupplierCandidateInfo[] = [];
    for (const session of await parameters.sessions()) {
      suppliers = await parameters.directory.get(model.modelId, session);
      if (suppliers.length > 0) break;
    }
    return suppliers;
  };
  const load = async (): Promise<OfferedModel[]> => {
    let models: AviaryModel[];
    try {
      models = await listModels(publicClient, { registry, fromBlock: parameters.fromBlock });
    } catch (cause) {
      throw new ChainReadError({ what: "the registered models", cause });
    }
    const entries = await Promise.all(
      models.map(async (model): Promise<OfferedModel | undefined> => {
        const suppliers = await offersOf(model);
        if (suppliers.length === 0) return undefined;
        let prompt = suppliers[0]?.inputPrice ?? 0n;
        let completion = suppliers[0]?.outputPrice ?? 0n;
        for (const supplier of suppliers) {
          if (supplier.inputPrice < prompt) prompt = supplier.inputPrice;
          if (supplier.outputPrice < completion) completion = supplier.outputPrice;
        }
        return {
          id: model.name,
          object: "model",
          created: await blockTime(model.registeredAt).catch(() => 0),
          owned_by: model.source,
          kind: model.kind,
          weights_digest: model.weightsDigest,
          suppliers: suppliers.length,
          pricing: {
            prompt: prompt.toString(),
            completion: completion.toString(),
            unit: model.kind === "image" ? "token wei per image·step" : "token wei per token",
          },
        };
      }),
    );
    return entries.filter((entry): entry is OfferedModel => entry !== undefined);
  };
  let cache: { at: number; value: Promise<OfferedModel[]> } | undefined;
  return () => {
    if (cache && Date.now() - cache.at < cacheMs) return cache.value;
    const value = load();
    const entry = { at: Date.now(), value };
    cache = entry;
    value.catch(() => {
      if (cache === entry) cache = undefined;
    });
    return value;
  };
}
