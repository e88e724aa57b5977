import type { RelayRequest } from "@aviary/protocol";
import type { Hex } from "viem";
import type { PlannedCandidate } from "./planRelay.ts";
import type { SignedRelayAttempt } from "./relayWithFailover.ts";

/** What a relay signer is asked to sign: one attempt's request, but for the application and nonce. */
export type RelaySignParameters = {
  candidate: PlannedCandidate;
  session: bigint;
  modelId: Hex;
  bodyHash: Hex;
  /** The ceiling for this supplier's prices (`relayMaxCost`). */
  maxCost: bigint;
};

/** One signed attempt: the header to send, the request it encodes, and its signature and relay key. */
export type SignedRelay = SignedRelayAttempt & {
  request: RelayRequest;
  signature: Hex;
  /** The request's EIP-712 digest (what was signed; the key receipts and usage are stored under). */
  relayKey: Hex;
};

/**
 * Who signs a relay's attempts. The SDK signs with its account for one application
 * (`createAccountRelaySigner`); a gateway reserves each attempt's `maxCost` from one of the applications
 * delegated to it and signs with its own key. `sign` runs once per attempt, just before it, with a fresh
 * nonce; an error it throws ends the relay as it is (e.g. no application can pay). `settle` is called once
 * for every signed attempt when its outcome is known: the receipt's cost when it was served, `0n` otherwise.
 *
 * @example
 * ```ts
 * const signer: RelaySigner = { sign: async (parameters) => signFor(parameters) };
 * ```
 */
export type RelaySigner = {
  sign(parameters: RelaySignParameters): Promise<SignedRelay>;
  settle?(signed: SignedRelay, cost: bigint): void;
};
