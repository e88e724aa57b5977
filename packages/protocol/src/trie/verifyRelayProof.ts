import type { Hex } from "viem";
import { hashRelayRequest } from "../eip712/hashRelayRequest.ts";
import { relayKey } from "../eip712/relayKey.ts";
import type { RelayDomainParameters } from "../eip712/relayTypes.ts";
import { relayValueHash } from "../eip712/relayValueHash.ts";
import { type SignedRelay, signedRelaySchema } from "../eip712/schemas.ts";
import { isMined } from "../mining/isMined.ts";
import { relayCost } from "../pricing/relayCost.ts";
import type { ProofDraw, TrieNode } from "./types.ts";
import { verifyWeightedProof, type WeightedProofVerdict } from "./verifyWeightedProof.ts";

export type VerifyRelayProofParameters = {
  domain: RelayDomainParameters;
  /** The claimed root. */
  root: TrieNode;
  /** Which draw the relay answers: `"sum"` or `"count"`. */
  by: ProofDraw;
  /** The claim's draw for `by` (see `proofDraws`). */
  drawn: bigint;
  /** The proven leaf's value: the whole signed relay (the contract's `LeafValue`). */
  relay: SignedRelay;
  sideNodes: readonly TrieNode[];
  /** Present: `sideNodes` is the compact form (see `verifyWeightedProof`). */
  emptyMask?: bigint | undefined;
  /** When given, the relay must also be mined under this seed and probability (`"not-mined"` otherwise). */
  mining?: { miningSeed: Hex; probabilityWad: bigint } | undefined;
};
/** {@link WeightedProofVerdict}, or one of the relay's own checks failed; with the recomputed relay key. */
export type RelayProofVerdict = (
  | WeightedProofVerdict
  | { valid: false; reason: "receipt-mismatch" | "cost-above-max" | "not-mined"; details?: string }
) & { relayKey?: Hex };
export type VerifyRelayProofReturnType = RelayProofVerdict;
export type VerifyRelayProofErrorType = never;

/**
 * Verifies a proof of a relay the way `prove` does, minus the chain lookups: the leaf's key is recomputed as
 * `relayKey(request)` and its weight as `relayCost` (never taken from the prover), the receipt must name the
 * request's struct hash (`"receipt-mismatch"`), the cost must be ≤ `maxCost` (`"cost-above-max"`), optionally
 * the relay must be mined (`"not-mined"`), then {@link verifyWeightedProof} for the draw `by`. Malformed relays
 * give `"malformed"`. The order is the contract's `prove` minus its signature checks.
 *
 * Signatures are not checked here (who may sign depends on chain state): use `recoverRelayRequestSigner` and
 * `recoverRelayReceiptSigner`.
 *
 * @example
 * ```ts
 * const { sumDraw } = proofDraws({ proofSeed, claimKey, root: claim.root });
 * const { sideNodes, emptyMask } = toCompactProof(trie.proveDrawn("sum", sumDraw));
 * const verdict = verifyRelayProof({ domain, root: claim.root, by: "sum", drawn: sumDraw, relay, sideNodes, emptyMask });
 * if (!verdict.valid) console.log(verdict.reason);
 * ```
 */
export function verifyRelayProof(parameters: VerifyRelayProofParameters): VerifyRelayProofReturnType {
  const parsed = signedRelaySchema.safeParse(parameters.relay);
  if (!parsed.success)
    return { valid: false, reason: "malformed", details: parsed.error.issues[0]?.message ?? "relay" };
  const relay = parsed.data;
  const { request, receipt } = relay;
  let key: Hex;
  try {
    if (hashRelayRequest(request).toLowerCase() !== receipt.request.toLowerCase())
      return { valid: false, reason: "receipt-mismatch" };
    key = relayKey({ domain: parameters.domain, request });
  } catch (error) {
    return {
      valid: false,
      reason: "malformed",
      details: error instanceof Error ? error.message : String(error),
    };
  }
  const cost = relayCost({ request, receipt });
  if (cost > request.maxCost) return { valid: false, reason: "cost-above-max", relayKey: key };
  if (parameters.mining) {
    try {
      if (!isMined({ relayKey: key, ...parameters.mining }))
        return { valid: false, reason: "not-mined", relayKey: key };
    } catch (error) {
      return {
        valid: false,
        reason: "malformed",
        details: error instanceof Error ? error.message : String(error),
      };
    }
  }
  const verdict = verifyWeightedProof({
    root: parameters.root,
    by: parameters.by,
    drawn: parameters.drawn,
    key,
    valueHash: relayValueHash(relay),
    weight: cost,
    sideNodes: parameters.sideNodes,
    emptyMask: parameters.emptyMask,
  });
  return { ...verdict, relayKey: key };
}
