// Test fixtures for the relay stores (used by the conformance suite, the crash test's child process and the
// benchmark). Records are well formed but their signatures are random bytes: stores never check signatures.
import { randomBytes } from "node:crypto";
import { hashRelayRequest, type RelayRequest, relayKey } from "@aviary/protocol";
import type { Address, Hex } from "viem";
import type { ClaimState, RelayRecord } from "../../src/store/RelayStore.ts";

/** The domain fixture records are keyed under. */
export const fixtureDomain = {
  chainId: 31337,
  verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address,
};

const hex = (bytes: number): Hex => `0x${randomBytes(bytes).toString("hex")}`;

/**
 * A well-formed record of `session` with extreme uints (to catch any bigint → number loss).
 *
 * @example
 * ```ts
 * await store.append(makeRelayRecord({ session: 3n, nonce: 1n }));
 * ```
 */
export function makeRelayRecord({
  session,
  nonce,
  application = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  supplier = "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
  model = `0x${"ab".repeat(32)}`,
}: {
  session: bigint;
  nonce: bigint;
  application?: Address;
  supplier?: Address;
  model?: Hex;
}): RelayRecord {
  const request: RelayRequest = {
    application,
    supplier,
    model,
    session,
    nonce,
    bodyHash: hex(32),
    inputPrice: 2n ** 127n + nonce,
    outputPrice: 2n ** 100n + 3n,
    maxCost: 2n ** 128n - 1n,
  };
  return {
    relayKey: relayKey({ domain: fixtureDomain, request }),
    request,
    requestSignature: hex(65),
    receipt: {
      request: hashRelayRequest(request),
      responseHash: hex(32),
      inputUnits: 2n ** 64n - 1n - nonce,
      outputUnits: 12_345_678_901_234_567n,
    },
    receiptSignature: hex(65),
    servedAt: 1_750_000_000_000 + Number(nonce % 1_000_000n),
  };
}

/**
 * A claim state for `session` with every optional field set.
 *
 * @example
 * ```ts
 * await store.putClaim(makeClaimState({ session: 3n }));
 * ```
 */
export function makeClaimState({
  session,
  status = "claimed",
}: {
  session: bigint;
  status?: ClaimState["status"];
}): ClaimState {
  return {
    claimKey: hex(32),
    supplier: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    application: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    model: `0x${"ab".repeat(32)}`,
    session,
    status,
    root: { hash: hex(32), sum: 2n ** 128n - 1n, count: 2n ** 64n - 1n },
    transactionHash: hex(32),
    paid: 2n ** 200n + 1n,
    error: 'line one\nline two "quoted"',
    updatedAt: 1_750_000_000_123,
  };
}
