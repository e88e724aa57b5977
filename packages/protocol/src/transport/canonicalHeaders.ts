/**
 * The relay transport headers (protocol.md §4) in their canonical form, coded by hand: both headers are
 * fixed-size ABI encodings, and viem's ABI coder plus the zod schemas cost more per relay than everything
 * else but the signature (issue 12). Each function produces exactly what the ABI path produces
 * (`canonicalHeaders.test.ts` compares them on random and mutated values); anything outside the canonical
 * form returns `undefined`, and the caller takes the ABI path, which also names what is wrong.
 * Internal to the transport module.
 * @module
 */
import { type Address, getAddress, type Hex } from "viem";
import type { RelayReceipt, RelayRequest } from "../eip712/schemas.ts";

/** abi.encode(RelayRequest, bytes signature): 9 words, the offset, the length, 65 bytes padded to 96. */
const REQUEST_BYTES = 448;
const REQUEST_CHARS = Math.ceil((REQUEST_BYTES * 4) / 3);
/** abi.encode(RelayReceipt, bytes signature): 4 words, the offset, the length, 65 bytes padded to 96. */
const RECEIPT_BYTES = 288;
const RECEIPT_CHARS = Math.ceil((RECEIPT_BYTES * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

type Signed<T> = { signature: Hex } & T;

/** Checksummed addresses by lowercase hex; applications and suppliers repeat, so this stays small. */
const checksums = new Map<string, Address>();

function checksummed(lowercase: string): Address {
  let address = checksums.get(lowercase);
  if (address === undefined) {
    address = getAddress(lowercase);
    if (checksums.size >= 10_000) checksums.clear();
    checksums.set(lowercase, address);
  }
  return address;
}

/** Whether `bytes[from, to)` are all zero. */
function zeros(bytes: Buffer, from: number, to: number): boolean {
  for (let index = from; index < to; index += 1) if (bytes[index] !== 0) return false;
  return true;
}

/** The word at `offset` as a uint of `bits` bits, or `undefined` when it does not fit. */
function readUint(bytes: Buffer, offset: number, bits: 64 | 128): bigint | undefined {
  const high = offset + 32 - bits / 8;
  if (!zeros(bytes, offset, high)) return undefined;
  return BigInt(`0x${bytes.toString("hex", high, offset + 32)}`);
}

function readAddress(bytes: Buffer, offset: number): Address | undefined {
  if (!zeros(bytes, offset, offset + 12)) return undefined;
  return checksummed(`0x${bytes.toString("hex", offset + 12, offset + 32)}`);
}

const readWord = (bytes: Buffer, offset: number): Hex => `0x${bytes.toString("hex", offset, offset + 32)}`;

const fitsUint = (value: unknown, bits: number): value is bigint =>
  typeof value === "bigint" && value >= 0n && value < 1n << BigInt(bits);

function writeUint(bytes: Buffer, offset: number, value: bigint): void {
  bytes.write(value.toString(16).padStart(64, "0"), offset, "hex");
}

/** Whether the signature's offset, length and padding are the canonical ones for a 65-byte signature. */
function canonicalSignatureTail(bytes: Buffer, at: number, offsetWord: number): boolean {
  return (
    zeros(bytes, at, at + 30) &&
    bytes[at + 30] === offsetWord >> 8 &&
    bytes[at + 31] === (offsetWord & 0xff) &&
    zeros(bytes, at + 32, at + 63) &&
    bytes[at + 63] === 65 &&
    zeros(bytes, at + 64 + 65, bytes.length)
  );
}

function writeSignatureTail(bytes: Buffer, at: number, offsetWord: number, signature: Hex): void {
  bytes[at + 30] = offsetWord >> 8;
  bytes[at + 31] = offsetWord & 0xff;
  bytes[at + 63] = 65;
  bytes.write(signature.slice(2), at + 64, "hex");
}

/** The `Aviary-Relay` header decoded, or `undefined` when it is not in the canonical form. */
export function decodeCanonicalRelayHeader(value: string): Signed<{ request: RelayRequest }> | undefined {
  if (value.length !== REQUEST_CHARS || !BASE64URL.test(value)) return undefined;
  const bytes = Buffer.from(value, "base64url");
  if (bytes.length !== REQUEST_BYTES || !canonicalSignatureTail(bytes, 288, 0x140)) return undefined;
  const application = readAddress(bytes, 0);
  const supplier = readAddress(bytes, 32);
  const session = readUint(bytes, 96, 64);
  const nonce = readUint(bytes, 128, 64);
  const inputPrice = readUint(bytes, 192, 128);
  const outputPrice = readUint(bytes, 224, 128);
  const maxCost = readUint(bytes, 256, 128);
  if (
    application === undefined ||
    supplier === undefined ||
    session === undefined ||
    nonce === undefined ||
    inputPrice === undefined ||
    outputPrice === undefined ||
    maxCost === undefined
  )
    return undefined;
  return {
    request: {
      application,
      supplier,
      model: readWord(bytes, 64),
      session,
      nonce,
      bodyHash: readWord(bytes, 160),
      inputPrice,
      outputPrice,
      maxCost,
    },
    signature: `0x${bytes.toString("hex", 352, 417)}`,
  };
}

/** The `Aviary-Relay` header encoded, or `undefined` when a field is out of its type's range. */
export function encodeCanonicalRelayHeader({
  request,
  signature,
}: Signed<{ request: RelayRequest }>): string | undefined {
  if (
    !ADDRESS.test(request.application) ||
    !ADDRESS.test(request.supplier) ||
    !BYTES32.test(request.model) ||
    !BYTES32.test(request.bodyHash) ||
    !SIGNATURE.test(signature) ||
    !fitsUint(request.session, 64) ||
    !fitsUint(request.nonce, 64) ||
    !fitsUint(request.inputPrice, 128) ||
    !fitsUint(request.outputPrice, 128) ||
    !fitsUint(request.maxCost, 128)
  )
    return undefined;
  const bytes = Buffer.alloc(REQUEST_BYTES);
  bytes.write(request.application.slice(2), 12, "hex");
  bytes.write(request.supplier.slice(2), 44, "hex");
  bytes.write(request.model.slice(2), 64, "hex");
  writeUint(bytes, 96, request.session);
  writeUint(bytes, 128, request.nonce);
  bytes.write(request.bodyHash.slice(2), 160, "hex");
  writeUint(bytes, 192, request.inputPrice);
  writeUint(bytes, 224, request.outputPrice);
  writeUint(bytes, 256, request.maxCost);
  writeSignatureTail(bytes, 288, 0x140, signature);
  return bytes.toString("base64url");
}

/** A receipt header (or SSE comment payload) encoded, or `undefined` when a field is not canonical. */
export function encodeCanonicalReceiptHeader({
  receipt,
  signature,
}: Signed<{ receipt: RelayReceipt }>): string | undefined {
  if (
    !BYTES32.test(receipt.request) ||
    !BYTES32.test(receipt.responseHash) ||
    !SIGNATURE.test(signature) ||
    !fitsUint(receipt.inputUnits, 64) ||
    !fitsUint(receipt.outputUnits, 64)
  )
    return undefined;
  const bytes = Buffer.alloc(RECEIPT_BYTES);
  bytes.write(receipt.request.slice(2), 0, "hex");
  bytes.write(receipt.responseHash.slice(2), 32, "hex");
  bytes.writeBigUInt64BE(receipt.inputUnits, 88);
  bytes.writeBigUInt64BE(receipt.outputUnits, 120);
  writeSignatureTail(bytes, 128, 0xa0, signature);
  return bytes.toString("base64url");
}

/** A receipt header (or SSE comment payload) decoded, or `undefined` when it is not in the canonical form. */
export function decodeCanonicalReceiptHeader(value: string): Signed<{ receipt: RelayReceipt }> | undefined {
  if (value.length !== RECEIPT_CHARS || !BASE64URL.test(value)) return undefined;
  const bytes = Buffer.from(value, "base64url");
  if (bytes.length !== RECEIPT_BYTES || !canonicalSignatureTail(bytes, 128, 0xa0)) return undefined;
  const inputUnits = readUint(bytes, 64, 64);
  const outputUnits = readUint(bytes, 96, 64);
  if (inputUnits === undefined || outputUnits === undefined) return undefined;
  return {
    receipt: { request: readWord(bytes, 0), responseHash: readWord(bytes, 32), inputUnits, outputUnits },
    signature: `0x${bytes.toString("hex", 192, 257)}`,
  };
}
