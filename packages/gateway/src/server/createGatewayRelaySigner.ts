import { encodeRelayHeader, type RelayDomainParameters, relayKey, signDigest } from "@aviary/protocol";
import { buildRelayRequest, type RelaySigner } from "@aviary/sdk";
import { hexToBytes } from "viem";
import type { ApplicationPool } from "../applications/ApplicationPool.ts";
import { ApplicationsExhaustedError } from "./errors.ts";

export type CreateGatewayRelaySignerParameters = {
  pool: Pick<ApplicationPool, "reserve" | "settle">;
  /** The gateway's private key (32 bytes): it signs for every application that delegated to it. */
  gatewayKey: Uint8Array;
  domain: RelayDomainParameters;
};
export type CreateGatewayRelaySignerReturnType = RelaySigner;

/**
 * The gateway's {@link RelaySigner}: each attempt reserves its `maxCost` from an application of the pool
 * that can still pay it (round robin), names that application in the request and signs the request's digest
 * with the gateway key (libsecp256k1). The digest is the relay key: computed here once, carried with the
 * signed attempt to the receipt store, the usage record and the observers. `settle` turns the reservation into
 * the receipt's cost, or releases it (0) when nothing was served.
 *
 * @param parameters - the application pool, the gateway key, the relay domain.
 * @throws {ApplicationsExhaustedError} from `sign`, when no application can pay the attempt.
 * @example
 * ```ts
 * const signer = createGatewayRelaySigner({ pool, gatewayKey, domain });
 * await sendPlannedRelay({ prepared, session, plan, signer, domain });
 * ```
 */
export function createGatewayRelaySigner({
  pool,
  gatewayKey,
  domain,
}: CreateGatewayRelaySignerParameters): CreateGatewayRelaySignerReturnType {
  return {
    async sign(parameters) {
      const { session, maxCost } = parameters;
      const application = await pool.reserve(session, maxCost);
      if (!application) throw new ApplicationsExhaustedError(session);
      const request = buildRelayRequest(parameters, application);
      const key = relayKey({ domain, request });
      const signature = signDigest(hexToBytes(key), gatewayKey);
      return { header: encodeRelayHeader({ request, signature }), request, signature, relayKey: key };
    },
    settle(signed, cost) {
      const { request } = signed;
      pool.settle(request.application, request.session, request.maxCost, cost);
    },
  };
}
