import { aviaryRegistryAbi } from "@aviary/protocol";
import { type Address, type Hex, keccak256, stringToBytes } from "viem";
import type { AccountMissingError, TransactionRevertedError } from "../errors.ts";
import { getRegistryParams } from "./getRegistryParams.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteReturnType,
  accountOf,
  waitForSuccess,
} from "./internal/clients.ts";
import { ensureAllowance } from "./internal/ensureAllowance.ts";

/** What a model computes (the contract's `ModelKind`). */
export type ModelKind = "chat" | "completion" | "embedding" | "image";

/** `ModelKind` names in the contract's enum order. */
export const modelKinds: readonly ModelKind[] = ["chat", "completion", "embedding", "image"];

export type RegisterModelParameters = {
  /** The registry contract. */
  registry: Address;
  /** The model's name, e.g. `llama-3.1-8b-instruct-q4_k_m`; its id is `keccak256(bytes(name))`. */
  name: string;
  /** sha256 of the weights file (e.g. the GGUF), as given: this action computes nothing. */
  weightsDigest: Hex;
  /** Where to get the weights: `https://`, `ipfs://`, `file://`. */
  uri: string;
  kind: ModelKind;
  /** Who is paid the source share. @default the wallet's account */
  source?: Address;
  /** The source's share of each payment, in basis points (≤ `maxSourceShareBps`, 2000). @default 0 */
  sourceShareBps?: number;
  /** The fee token. @default read from `registry.token()` */
  token?: Address;
};
export type RegisterModelReturnType = AviaryWriteReturnType & { modelId: Hex };
export type RegisterModelErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Registers a model (the wallet's account pays `modelFee`, approved first when needed). The weights digest is
 * taken as given: compute it from the file yourself (sha256).
 *
 * @param clients - `{ publicClient, walletClient }`.
 * @param parameters - name, digest, uri, kind, source and its share.
 * @returns the transaction and the `modelId` (`keccak256(bytes(name))`).
 * @example
 * ```ts
 * const { modelId } = await registerModel(clients, {
 *   registry, name: "my-model-q8_0", weightsDigest: "0x…", uri: "https://example.com/my-model.gguf", kind: "chat",
 * });
 * ```
 */
export async function registerModel(
  clients: AviaryWriteClients,
  parameters: RegisterModelParameters,
): Promise<RegisterModelReturnType> {
  const account = accountOf(clients, "registerModel");
  const { registry } = parameters;
  const registryParams = await getRegistryParams(clients.publicClient, { registry });
  await ensureAllowance(clients, {
    registry,
    amount: registryParams.modelFee,
    token: parameters.token,
    action: "registerModel",
  });
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "registerModel",
    args: [
      parameters.name,
      parameters.weightsDigest,
      parameters.uri,
      modelKinds.indexOf(parameters.kind),
      parameters.source ?? account.address,
      parameters.sourceShareBps ?? 0,
    ],
    account,
    chain: clients.walletClient.chain,
  });
  const result = await waitForSuccess(clients, hash, "registerModel");
  return { ...result, modelId: keccak256(stringToBytes(parameters.name)) };
}
