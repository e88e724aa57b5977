import { encodeRelayHeader, type RelayDomainParameters, relayKey, signRelayRequest } from "@aviary/protocol";
import type { Address, LocalAccount } from "viem";
import { buildRelayRequest } from "./buildRelayRequest.ts";
import type { RelaySigner } from "./RelaySigner.ts";

export type CreateAccountRelaySignerParameters = {
  /** The application itself, or a gateway it delegated to. */
  account: Pick<LocalAccount, "signTypedData">;
  /** The application that pays. */
  application: Address;
  domain: RelayDomainParameters;
};
export type CreateAccountRelaySignerReturnType = RelaySigner;

/**
 * A {@link RelaySigner} for one application: every attempt is signed by `account` (EIP-712 typed data) with
 * a fresh random nonce. Nothing is reserved, so there is nothing to settle: the application's stake bounds
 * what the relays can cost.
 *
 * @param parameters - the account, the paying application, the relay domain.
 * @example
 * ```ts
 * const signer = createAccountRelaySigner({ account, application: account.address, domain });
 * ```
 */
export function createAccountRelaySigner({
  account,
  application,
  domain,
}: CreateAccountRelaySignerParameters): CreateAccountRelaySignerReturnType {
  return {
    async sign(parameters) {
      const request = buildRelayRequest(parameters, application);
      const signature = await signRelayRequest({ domain, request, signer: account });
      return {
        header: encodeRelayHeader({ request, signature }),
        request,
        signature,
        relayKey: relayKey({ domain, request }),
      };
    },
  };
}
