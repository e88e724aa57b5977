// Builds and sends signed relays the way an application (or its gateway) does, for tests and benches.
import {
  encodeRelayHeader,
  RELAY_HEADER,
  type RelayRequest,
  relayKey,
  signRelayRequest,
} from "@aviary/protocol";
import { type Address, type Hex, keccak256, toBytes } from "viem";

export type RelayTarget = {
  url: string;
  domain: { chainId: number; verifyingContract: Address };
  supplier: Address;
  model: Hex;
  session: bigint;
  inputPrice: bigint;
  outputPrice: bigint;
};

let nonceCounter = BigInt(Date.now()) * 1000n;

/** A signed `Aviary-Relay` header for `bodyText`, with any request field overridden. */
export async function signedRelayHeader(
  target: RelayTarget,
  application: Address,
  signerKey: Hex,
  bodyText: string,
  overrides: Partial<RelayRequest> = {},
): Promise<{ header: string; request: RelayRequest; relayKey: Hex }> {
  nonceCounter += 1n;
  const request: RelayRequest = {
    application,
    supplier: target.supplier,
    model: target.model,
    session: target.session,
    nonce: nonceCounter,
    bodyHash: keccak256(toBytes(bodyText)),
    inputPrice: target.inputPrice,
    outputPrice: target.outputPrice,
    maxCost: 10n ** 18n,
    ...overrides,
  };
  const signature = await signRelayRequest({ domain: target.domain, request, signer: signerKey });
  return {
    header: encodeRelayHeader({ request, signature }),
    request,
    relayKey: relayKey({ domain: target.domain, request }),
  };
}

/** POSTs a relay; returns the raw response and the request that was signed. */
export async function sendRelay(
  target: RelayTarget,
  application: Address,
  signerKey: Hex,
  body: Record<string, unknown>,
  options: { route?: string; overrides?: Partial<RelayRequest>; bodyText?: string; header?: string } = {},
): Promise<{ response: Response; request: RelayRequest; relayKey: Hex }> {
  const bodyText = options.bodyText ?? JSON.stringify(body);
  const signed = await signedRelayHeader(target, application, signerKey, bodyText, options.overrides);
  const response = await fetch(`${target.url}/v1/relay/${options.route ?? "chat/completions"}`, {
    method: "POST",
    headers: { "content-type": "application/json", [RELAY_HEADER]: options.header ?? signed.header },
    body: bodyText,
  });
  return { response, request: signed.request, relayKey: signed.relayKey };
}
