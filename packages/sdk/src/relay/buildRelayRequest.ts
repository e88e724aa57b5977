import type { RelayRequest } from "@aviary/protocol";
import type { Address } from "viem";
import type { RelaySignParameters } from "./RelaySigner.ts";
import { randomNonce } from "./randomNonce.ts";

/**
 * The RelayRequest of one attempt: the candidate's address and prices, the relay's session, model, body hash
 * and `maxCost`, the paying application, and a fresh random nonce. What every {@link RelaySigner} signs.
 *
 * @param parameters - what the pipeline asks the signer to sign.
 * @param application - who pays.
 * @example
 * ```ts
 * const request = buildRelayRequest(parameters, application);
 * const signature = signDigest(hexToBytes(relayKey({ domain, request })), key);
 * ```
 */
export function buildRelayRequest(
  { candidate, session, modelId, bodyHash, maxCost }: RelaySignParameters,
  application: Address,
): RelayRequest {
  return {
    application,
    supplier: candidate.address,
    model: modelId,
    session,
    nonce: randomNonce(),
    bodyHash,
    inputPrice: candidate.inputPrice,
    outputPrice: candidate.outputPrice,
    maxCost,
  };
}
