import { encodeReceiptHeader, type RelayReceipt, type RelayRequest, relayCost } from "@aviary/protocol";
import type { Hex } from "viem";
import type { EvidenceRecord } from "../store/GatewayStore.ts";

/** The check an equivocation is published under (`kind: "billing"`). */
export const EQUIVOCATION_CHECK = "receipt-equivocation";

export type EquivocationEvidenceParameters = {
  relayKey: Hex;
  /** The model's name (its id when the name is unknown). */
  model: string;
  /** The request this gateway signed, and its signature. */
  request: RelayRequest;
  requestSignature: Hex;
  /** The receipt the supplier gave this gateway when it served the relay. */
  received: { receipt: RelayReceipt; signature: Hex };
  /** The receipt the supplier proved on chain for the same request. */
  proven: { receipt: RelayReceipt; signature: Hex };
  claimKey: Hex;
  /** The `prove` transaction that carries the proven receipt. */
  proveTransaction: Hex;
  /** The draws the proven leaf answered. */
  drawnBy: readonly string[];
  /** The `reportEquivocation` transaction, when this gateway's report went through. */
  reportTransaction?: Hex;
  now?: number;
};

const bigintsAsStrings = (_: string, value: unknown) =>
  typeof value === "bigint" ? value.toString() : value;

/**
 * The evidence record of an equivocation: a supplier proved, for a request this gateway signed, a receipt other
 * than the one it gave the gateway. Published at `GET /public/v1/evidence` with the signed request (never the
 * body: it is a user's prompt) and both receipts, each with its signature and its `Aviary-Receipt` encoding, so
 * anyone can check that the request recovers to this gateway and both receipts to the supplier's operator, and
 * can send `reportEquivocation` themselves. The id is derived from the relay key: storing it twice is a no-op.
 *
 * @param parameters - the relay, both receipts, the claim and its proof.
 * @example
 * ```ts
 * await store.putEvidence(equivocationEvidence({ relayKey, model, request, requestSignature, received, proven, claimKey, proveTransaction, drawnBy }));
 * ```
 */
export function equivocationEvidence(parameters: EquivocationEvidenceParameters): EvidenceRecord {
  const { request, received, proven } = parameters;
  const receivedCost = relayCost({ request, receipt: received.receipt });
  const provenCost = relayCost({ request, receipt: proven.receipt });
  const units = (receipt: RelayReceipt) =>
    `${receipt.inputUnits} input and ${receipt.outputUnits} output units`;
  return {
    id: `equivocation:${parameters.relayKey.toLowerCase()}`,
    supplier: request.supplier.toLowerCase(),
    model: parameters.model,
    kind: "billing",
    check: EQUIVOCATION_CHECK,
    detail:
      `the claim proves a receipt of ${units(proven.receipt)} (${provenCost} wei) for a relay whose receipt ` +
      `to this gateway was ${units(received.receipt)} (${receivedCost} wei)`,
    values: JSON.stringify(
      {
        value: provenCost,
        limit: receivedCost,
        provenInputUnits: proven.receipt.inputUnits,
        provenOutputUnits: proven.receipt.outputUnits,
        receivedInputUnits: received.receipt.inputUnits,
        receivedOutputUnits: received.receipt.outputUnits,
        claimKey: parameters.claimKey,
        proveTransaction: parameters.proveTransaction,
        drawnBy: parameters.drawnBy,
        ...(parameters.reportTransaction ? { reportTransaction: parameters.reportTransaction } : {}),
      },
      bigintsAsStrings,
    ),
    relayKey: parameters.relayKey,
    createdAt: parameters.now ?? Date.now(),
    request: JSON.stringify({ request, signature: parameters.requestSignature }, bigintsAsStrings),
    receipt: JSON.stringify(
      {
        receipt: received.receipt,
        signature: received.signature,
        encoded: encodeReceiptHeader(received),
        proven: {
          receipt: proven.receipt,
          signature: proven.signature,
          encoded: encodeReceiptHeader(proven),
          claimKey: parameters.claimKey,
          transaction: parameters.proveTransaction,
        },
      },
      bigintsAsStrings,
    ),
  };
}
