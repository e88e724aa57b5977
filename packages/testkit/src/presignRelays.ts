// Relay headers an application signed ahead of a benchmark's clock: signing is the application's work, not
// the node's. Shared by bench:supplier and bench:gateway (its "supplier alone" path).
import { encodeRelayHeader, type RelayRequest, relayKey, signDigest } from "@aviary/protocol";
import { type Address, type Hex, hexToBytes } from "viem";

export type PresignRelaysParameters = {
  domain: { chainId: number; verifyingContract: Address };
  application: { address: Address; privateKey: Hex };
  supplier: Address;
  modelId: Hex;
  session: bigint;
  bodyHash: Hex;
  count: number;
  /** The first nonce; each header takes the next. */
  firstNonce: bigint;
  /** @default 1000n */
  maxCost?: bigint;
};

/** `count` `Aviary-Relay` headers with consecutive nonces and prices 1 / 1. */
export function presignRelays(parameters: PresignRelaysParameters): string[] {
  const key = hexToBytes(parameters.application.privateKey);
  return Array.from({ length: parameters.count }, (_, index) => {
    const request: RelayRequest = {
      application: parameters.application.address,
      supplier: parameters.supplier,
      model: parameters.modelId,
      session: parameters.session,
      nonce: parameters.firstNonce + BigInt(index),
      bodyHash: parameters.bodyHash,
      inputPrice: 1n,
      outputPrice: 1n,
      maxCost: parameters.maxCost ?? 1000n,
    };
    const signature = signDigest(hexToBytes(relayKey({ domain: parameters.domain, request })), key);
    return encodeRelayHeader({ request, signature });
  });
}
