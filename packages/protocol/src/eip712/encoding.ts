/**
 * Byte-level EIP-712 hashing of relays (internal). The struct hash is `keccak256(typeHash ‖ enc(field)…)` with
 * every field one 32-byte word (addresses and uints left-padded); the digest is
 * `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`. Done by hand (with a cached domain separator) because
 * the supplier computes it for every relay; `eip712.test.ts` checks it against viem's `hashStruct` /
 * `hashTypedData` on random values.
 * @module
 */
import { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { hexInto, isUint, writeUint } from "../internal/bytes.ts";
import { keccak256Bytes, keccak256Into } from "../trie/keccak.ts";
import { RELAY_RECEIPT_TYPE, RELAY_REQUEST_TYPE, type RelayDomainParameters } from "./relayTypes.ts";
import type { RelayReceipt, RelayRequest } from "./schemas.ts";

const utf8 = new TextEncoder();
export const RELAY_REQUEST_TYPEHASH = keccak256Bytes(utf8.encode(RELAY_REQUEST_TYPE));
export const RELAY_RECEIPT_TYPEHASH = keccak256Bytes(utf8.encode(RELAY_RECEIPT_TYPE));
const DOMAIN_TYPEHASH = keccak256Bytes(
  utf8.encode("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);
const NAME_HASH = keccak256Bytes(utf8.encode("Aviary"));
const VERSION_HASH = keccak256Bytes(utf8.encode("1"));

const requestBuffer = new Uint8Array(32 * 10);
const receiptBuffer = new Uint8Array(32 * 5);
const digestBuffer = new Uint8Array(66);
digestBuffer[0] = 0x19;
digestBuffer[1] = 0x01;
const separators = new Map<string, Uint8Array>();

/** The domain separator's 32 bytes, cached per (chainId, verifyingContract). */
export function domainSeparatorBytes(domain: RelayDomainParameters): Uint8Array {
  const chainId = typeof domain.chainId === "number" ? BigInt(domain.chainId) : domain.chainId;
  const cacheKey = `${chainId}:${String(domain.verifyingContract).toLowerCase()}`;
  const cached = separators.get(cacheKey);
  if (cached) return cached;
  if (!isUint(chainId, 256))
    throw new ValueOutOfRangeError({ name: "chainId", value: domain.chainId, type: "uint256" });
  const buffer = new Uint8Array(32 * 5);
  buffer.set(DOMAIN_TYPEHASH, 0);
  buffer.set(NAME_HASH, 32);
  buffer.set(VERSION_HASH, 64);
  writeUint(chainId, buffer, 96, 32);
  writeAddress(domain.verifyingContract, buffer, 128, "verifyingContract");
  const separator = keccak256Bytes(buffer);
  if (separators.size > 64) separators.clear();
  separators.set(cacheKey, separator);
  return separator;
}

/** Writes the request's struct hash into `out[offset ..]`. */
export function requestStructHashInto(request: RelayRequest, out: Uint8Array, offset: number): void {
  const buffer = requestBuffer;
  buffer.set(RELAY_REQUEST_TYPEHASH, 0);
  writeAddress(request.application, buffer, 32, "application");
  writeAddress(request.supplier, buffer, 64, "supplier");
  writeBytes32(request.model, buffer, 96, "model");
  writeUintWord(request.session, 64, buffer, 128, "session");
  writeUintWord(request.nonce, 64, buffer, 160, "nonce");
  writeBytes32(request.bodyHash, buffer, 192, "bodyHash");
  writeUintWord(request.inputPrice, 128, buffer, 224, "inputPrice");
  writeUintWord(request.outputPrice, 128, buffer, 256, "outputPrice");
  writeUintWord(request.maxCost, 128, buffer, 288, "maxCost");
  keccak256Into(buffer, 0, buffer.length, out, offset);
}

/** Writes the receipt's struct hash into `out[offset ..]`. */
export function receiptStructHashInto(receipt: RelayReceipt, out: Uint8Array, offset: number): void {
  const buffer = receiptBuffer;
  buffer.set(RELAY_RECEIPT_TYPEHASH, 0);
  writeBytes32(receipt.request, buffer, 32, "request");
  writeBytes32(receipt.responseHash, buffer, 64, "responseHash");
  writeUintWord(receipt.inputUnits, 64, buffer, 96, "inputUnits");
  writeUintWord(receipt.outputUnits, 64, buffer, 128, "outputUnits");
  keccak256Into(buffer, 0, buffer.length, out, offset);
}

/** The EIP-712 digest of a request (the relay key) into `out[offset ..]`. */
export function requestDigestInto(
  domain: RelayDomainParameters,
  request: RelayRequest,
  out: Uint8Array,
  offset: number,
): void {
  digestBuffer.set(domainSeparatorBytes(domain), 2);
  requestStructHashInto(request, digestBuffer, 34);
  keccak256Into(digestBuffer, 0, 66, out, offset);
}

/** The EIP-712 digest of a request from its struct hash (already computed) into `out[offset ..]`. */
export function requestDigestOfStructHashInto(
  domain: RelayDomainParameters,
  structHash: Uint8Array,
  out: Uint8Array,
  offset: number,
): void {
  digestBuffer.set(domainSeparatorBytes(domain), 2);
  digestBuffer.set(structHash, 34);
  keccak256Into(digestBuffer, 0, 66, out, offset);
}

/** The EIP-712 digest of a receipt into `out[offset ..]`. */
export function receiptDigestInto(
  domain: RelayDomainParameters,
  receipt: RelayReceipt,
  out: Uint8Array,
  offset: number,
): void {
  digestBuffer.set(domainSeparatorBytes(domain), 2);
  receiptStructHashInto(receipt, digestBuffer, 34);
  keccak256Into(digestBuffer, 0, 66, out, offset);
}

function writeAddress(value: unknown, out: Uint8Array, offset: number, name: string): void {
  out.fill(0, offset, offset + 12);
  if (!hexInto(value, out, offset + 12, 20)) throw new HexInvalidError({ name, value, bytes: 20 });
}

function writeBytes32(value: unknown, out: Uint8Array, offset: number, name: string): void {
  if (!hexInto(value, out, offset, 32)) throw new HexInvalidError({ name, value, bytes: 32 });
}

function writeUintWord(value: unknown, bits: number, out: Uint8Array, offset: number, name: string): void {
  if (!isUint(value, bits)) throw new ValueOutOfRangeError({ name, value, type: `uint${bits}` });
  writeUint(value, out, offset, 32);
}
