/**
 * Hand-written fast paths of the relay record codec, for the append and read hot paths (zod takes ~30 µs a
 * record here; these take a few). They accept only the canonical shapes (bigints in memory, decimal strings
 * on disk) and check exactly what `relayRecordSchema` checks; anything else returns `undefined` and the
 * caller falls back to zod, which also produces the error message. Internal to the store.
 * @module
 */
import type { Hex } from "viem";
import type { RelayRecord } from "./RelayStore.ts";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const UINT64 = 1n << 64n;
const UINT128 = 1n << 128n;

type Loose = Record<string, unknown>;

const isObject = (value: unknown): value is Loose => typeof value === "object" && value !== null;
const isHex = (value: unknown, pattern: RegExp): value is Hex =>
  typeof value === "string" && pattern.test(value);
const isUint = (value: unknown, limit: bigint): value is bigint =>
  typeof value === "bigint" && value >= 0n && value < limit;
const isServedAt = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/**
 * The record's JSON line (no newline), or `undefined` when it is not in canonical form or not valid.
 *
 * @example
 * ```ts
 * const line = fastEncodeRelayRecord(record) ?? slowPath(record);
 * ```
 */
export function fastEncodeRelayRecord(record: RelayRecord): string | undefined {
  if (!isObject(record)) return undefined;
  const request = record.request as unknown;
  const receipt = record.receipt as unknown;
  if (!isObject(request) || !isObject(receipt)) return undefined;
  if (
    !isHex(record.relayKey, BYTES32) ||
    !isHex(request.application, ADDRESS) ||
    !isHex(request.supplier, ADDRESS) ||
    !isHex(request.model, BYTES32) ||
    !isUint(request.session, UINT64) ||
    !isUint(request.nonce, UINT64) ||
    !isHex(request.bodyHash, BYTES32) ||
    !isUint(request.inputPrice, UINT128) ||
    !isUint(request.outputPrice, UINT128) ||
    !isUint(request.maxCost, UINT128) ||
    !isHex(record.requestSignature, SIGNATURE) ||
    !isHex(receipt.request, BYTES32) ||
    !isHex(receipt.responseHash, BYTES32) ||
    !isUint(receipt.inputUnits, UINT64) ||
    !isUint(receipt.outputUnits, UINT64) ||
    !isHex(record.receiptSignature, SIGNATURE) ||
    !isServedAt(record.servedAt)
  )
    return undefined;
  return (
    `{"relayKey":"${record.relayKey}","request":{"application":"${request.application}",` +
    `"supplier":"${request.supplier}","model":"${request.model}","session":"${request.session}",` +
    `"nonce":"${request.nonce}","bodyHash":"${request.bodyHash}","inputPrice":"${request.inputPrice}",` +
    `"outputPrice":"${request.outputPrice}","maxCost":"${request.maxCost}"},` +
    `"requestSignature":"${record.requestSignature}","receipt":{"request":"${receipt.request}",` +
    `"responseHash":"${receipt.responseHash}","inputUnits":"${receipt.inputUnits}",` +
    `"outputUnits":"${receipt.outputUnits}"},"receiptSignature":"${record.receiptSignature}",` +
    `"servedAt":${record.servedAt}}`
  );
}

function uint(value: unknown, limit: bigint): bigint | undefined {
  if (typeof value !== "string" || !DECIMAL.test(value)) return undefined;
  const big = BigInt(value);
  return big < limit ? big : undefined;
}

/**
 * The record in a parsed JSON line, or `undefined` when it is not in the canonical stored form or not valid.
 *
 * @example
 * ```ts
 * const record = fastDecodeRelayRecord(JSON.parse(line)) ?? relayRecordSchema.parse(JSON.parse(line));
 * ```
 */
export function fastDecodeRelayRecord(json: unknown): RelayRecord | undefined {
  if (!isObject(json) || !isObject(json.request) || !isObject(json.receipt)) return undefined;
  const { request, receipt } = json;
  const session = uint(request.session, UINT64);
  const nonce = uint(request.nonce, UINT64);
  const inputPrice = uint(request.inputPrice, UINT128);
  const outputPrice = uint(request.outputPrice, UINT128);
  const maxCost = uint(request.maxCost, UINT128);
  const inputUnits = uint(receipt.inputUnits, UINT64);
  const outputUnits = uint(receipt.outputUnits, UINT64);
  if (
    session === undefined ||
    nonce === undefined ||
    inputPrice === undefined ||
    outputPrice === undefined ||
    maxCost === undefined ||
    inputUnits === undefined ||
    outputUnits === undefined ||
    !isHex(json.relayKey, BYTES32) ||
    !isHex(request.application, ADDRESS) ||
    !isHex(request.supplier, ADDRESS) ||
    !isHex(request.model, BYTES32) ||
    !isHex(request.bodyHash, BYTES32) ||
    !isHex(json.requestSignature, SIGNATURE) ||
    !isHex(receipt.request, BYTES32) ||
    !isHex(receipt.responseHash, BYTES32) ||
    !isHex(json.receiptSignature, SIGNATURE) ||
    !isServedAt(json.servedAt)
  )
    return undefined;
  return {
    relayKey: json.relayKey,
    request: {
      application: request.application,
      supplier: request.supplier,
      model: request.model,
      session,
      nonce,
      bodyHash: request.bodyHash,
      inputPrice,
      outputPrice,
      maxCost,
    },
    requestSignature: json.requestSignature,
    receipt: { request: receipt.request, responseHash: receipt.responseHash, inputUnits, outputUnits },
    receiptSignature: json.receiptSignature,
    servedAt: json.servedAt,
  };
}
