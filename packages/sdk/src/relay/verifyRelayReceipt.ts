import {
  decodeReceiptHeader,
  hashRelayReceipt,
  hashRelayRequest,
  isValidSignatureEncoding,
  keccak256Hex,
  type RelayDomainParameters,
  type RelayReceipt,
  type RelayRequest,
} from "@aviary/protocol";
import { type Address, type Hex, isAddressEqual, recoverAddress } from "viem";
import { ReceiptInvalidError } from "../errors.ts";

/** A receipt that was checked against the request, the bytes received and the supplier's operator. */
export type VerifiedReceipt = {
  receipt: RelayReceipt;
  /** The operator's 65-byte signature over the receipt's EIP-712 digest. */
  signature: Hex;
  /** The encoded receipt as received (the `Aviary-Receipt` header value): keep it as evidence. */
  encoded: string;
  inputUnits: bigint;
  outputUnits: bigint;
  /** `inputUnits · inputPrice + outputUnits · outputPrice`, at most the request's `maxCost`. */
  cost: bigint;
};

/** Recovers the signer of a 32-byte digest (default: viem's `recoverAddress`). */
export type RecoverSigner = (digest: Hex, signature: Hex) => Address | Promise<Address>;

export type VerifyRelayReceiptParameters = {
  /** The `Aviary-Receipt` header value, or the payload of the `: aviary-receipt` SSE comment. */
  encoded: string | null | undefined;
  /** The request that was signed and sent. */
  request: RelayRequest;
  /** Exactly the response bytes the receipt must cover (JSON body; for a stream every byte before the receipt line). */
  response: Uint8Array;
  /** The supplier's operator in `request.session`: the only valid signer. */
  operator: Address;
  domain: RelayDomainParameters;
  /** Signature recovery, replaceable by a faster one (e.g. libsecp256k1 bindings). @default viem `recoverAddress` */
  recoverSigner?: RecoverSigner;
};
export type VerifyRelayReceiptReturnType = VerifiedReceipt;
export type VerifyRelayReceiptErrorType = ReceiptInvalidError;

const defaultRecover: RecoverSigner = (hash, signature) => recoverAddress({ hash, signature });

/**
 * Verifies a supplier's receipt (protocol.md §4): it decodes; its `request` is the struct hash of the request
 * sent; its `responseHash` is keccak256 of exactly the bytes received; it is signed by the supplier's operator
 * under the one signature rule (65 bytes, v 27 or 28, s ≤ n/2: what the contract accepts, whatever
 * `recoverSigner` would recover); and its cost is within the request's `maxCost`.
 *
 * @param parameters - the encoded receipt, the request, the response bytes, the operator and the domain.
 * @throws {ReceiptInvalidError} naming the first check that failed.
 * @example
 * ```ts
 * const verified = await verifyRelayReceipt({
 *   encoded: response.headers.get(RECEIPT_HEADER), request, response: bytes, operator, domain,
 * });
 * console.log(verified.cost);
 * ```
 */
export async function verifyRelayReceipt({
  encoded,
  request,
  response,
  operator,
  domain,
  recoverSigner = defaultRecover,
}: VerifyRelayReceiptParameters): Promise<VerifyRelayReceiptReturnType> {
  const supplier = request.supplier;
  if (!encoded) throw new ReceiptInvalidError({ reason: "missing", supplier });
  let decoded: ReturnType<typeof decodeReceiptHeader>;
  try {
    decoded = decodeReceiptHeader(encoded);
  } catch (cause) {
    throw new ReceiptInvalidError({ reason: "malformed", supplier, cause });
  }
  const { receipt, signature } = decoded;
  if (receipt.request.toLowerCase() !== hashRelayRequest(request)) {
    throw new ReceiptInvalidError({
      reason: "request_mismatch",
      supplier,
      detail: `receipt.request ${receipt.request}`,
    });
  }
  const responseHash = keccak256Hex(response);
  if (receipt.responseHash.toLowerCase() !== responseHash) {
    throw new ReceiptInvalidError({
      reason: "response_hash_mismatch",
      supplier,
      detail: `receipt ${receipt.responseHash}, received bytes ${responseHash} (${response.length} bytes)`,
    });
  }
  // A receipt the contract would reject (v 0/1, high s) is no evidence, even if it recovers off-chain.
  if (!isValidSignatureEncoding(signature)) {
    throw new ReceiptInvalidError({
      reason: "wrong_signer",
      supplier,
      detail: "the signature breaks the signature rule (65 bytes r‖s‖v, v 27 or 28, s ≤ n/2)",
    });
  }
  let signer: Address;
  try {
    signer = await recoverSigner(hashRelayReceipt({ domain, receipt }), signature);
  } catch (cause) {
    throw new ReceiptInvalidError({ reason: "wrong_signer", supplier, cause });
  }
  if (!isAddressEqual(signer, operator)) {
    throw new ReceiptInvalidError({
      reason: "wrong_signer",
      supplier,
      detail: `signed by ${signer}, operator is ${operator}`,
    });
  }
  const cost = receipt.inputUnits * request.inputPrice + receipt.outputUnits * request.outputPrice;
  if (cost > request.maxCost) {
    throw new ReceiptInvalidError({
      reason: "over_max_cost",
      supplier,
      detail: `cost ${cost} > maxCost ${request.maxCost}`,
    });
  }
  return {
    receipt,
    signature,
    encoded,
    inputUnits: receipt.inputUnits,
    outputUnits: receipt.outputUnits,
    cost,
  };
}
