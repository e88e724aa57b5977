/**
 * Hand-written fast paths of the relay transport headers (protocol.md §4) for the relay hot path: viem's ABI
 * coder and the zod schema behind `decodeRelayHeader` / `encodeReceiptHeader` cost more than the rest of
 * verification but the signature (issue 12). They handle only the canonical encoding, fixed-size as both
 * headers are, and produce exactly what the protocol's functions produce (`relayHeaderFastCodec.test.ts`
 * checks it on random values); anything else returns `undefined` and the caller uses the protocol's function,
 * which also names the error. Internal to the server.
 * @module
 */
import type { RelayReceipt, SignedRelayReceipt, SignedRelayRequest } from "@aviary/protocol";
import { type Address, getAddress, type Hex } from "viem";

/** abi.encode(RelayRequest, bytes signature): 9 words, the offset, the length, 65 bytes padded to 96. */
const REQUEST_BYTES = 448;
const REQUEST_CHARS = Math.ceil((REQUEST_BYTES * 4) / 3);
/** abi.encode(RelayReceipt, bytes signature): 4 words, the offset, the length, 65 bytes padded to 96. */
const RECEIPT_BYTES = 288;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BYTES32 = /^0x[0-9a-f]{64}$/i;
const SIGNATURE = /^0x[0-9a-f]{130}$/i;

/** Checksummed addresses by lowercase hex; applications and the supplier repeat, so this stays small. */
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
function uint(bytes: Buffer, offset: number, bits: 64 | 128): bigint | undefined {
  const high = offset + 32 - bits / 8;
  if (!zeros(bytes, offset, high)) return undefined;
  return BigInt(`0x${bytes.toString("hex", high, offset + 32)}`);
}

function address(bytes: Buffer, offset: number): Address | undefined {
  if (!zeros(bytes, offset, offset + 12)) return undefined;
  return checksummed(`0x${bytes.toString("hex", offset + 12, offset + 32)}`);
}

const word = (bytes: Buffer, offset: number): Hex => `0x${bytes.toString("hex", offset, offset + 32)}`;

/**
 * The `Aviary-Relay` header decoded as `decodeRelayHeader` would, or `undefined` when it is not in the
 * canonical form (then call `decodeRelayHeader`, which accepts or refuses it and says why).
 *
 * @example
 * ```ts
 * const { request, signature } = fastDecodeRelayHeader(header) ?? decodeRelayHeader(header);
 * ```
 */
export function fastDecodeRelayHeader(value: string | undefined): SignedRelayRequest | undefined {
  if (value === undefined || value.length !== REQUEST_CHARS || !BASE64URL.test(value)) return undefined;
  const bytes = Buffer.from(value, "base64url");
  if (bytes.length !== REQUEST_BYTES) return undefined;
  // The signature's offset (10 words: 0x140), its length (65), its zero padding.
  if (!zeros(bytes, 288, 318) || bytes[318] !== 0x01 || bytes[319] !== 0x40) return undefined;
  if (!zeros(bytes, 320, 351) || bytes[351] !== 65 || !zeros(bytes, 417, REQUEST_BYTES)) return undefined;
  const application = address(bytes, 0);
  const supplier = address(bytes, 32);
  const session = uint(bytes, 96, 64);
  const nonce = uint(bytes, 128, 64);
  const inputPrice = uint(bytes, 192, 128);
  const outputPrice = uint(bytes, 224, 128);
  const maxCost = uint(bytes, 256, 128);
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
      model: word(bytes, 64),
      session,
      nonce,
      bodyHash: word(bytes, 160),
      inputPrice,
      outputPrice,
      maxCost,
    },
    signature: `0x${bytes.toString("hex", 352, 417)}`,
  };
}

/**
 * The receipt header (or SSE comment payload) as `encodeReceiptHeader` would write it, or `undefined` when a
 * field is not canonical (then call `encodeReceiptHeader`, which throws naming it).
 *
 * @example
 * ```ts
 * const header = fastEncodeReceiptHeader({ receipt, signature }) ?? encodeReceiptHeader({ receipt, signature });
 * ```
 */
export function fastEncodeReceiptHeader({ receipt, signature }: SignedRelayReceipt): string | undefined {
  if (
    !BYTES32.test(receipt.request) ||
    !BYTES32.test(receipt.responseHash) ||
    !SIGNATURE.test(signature) ||
    !fitsUint64(receipt.inputUnits) ||
    !fitsUint64(receipt.outputUnits)
  )
    return undefined;
  const bytes = Buffer.alloc(RECEIPT_BYTES);
  bytes.write(receipt.request.slice(2), 0, "hex");
  bytes.write(receipt.responseHash.slice(2), 32, "hex");
  bytes.writeBigUInt64BE(receipt.inputUnits, 88);
  bytes.writeBigUInt64BE(receipt.outputUnits, 120);
  bytes[159] = 0xa0; // the signature's offset: 5 words
  bytes[191] = 65;
  bytes.write(signature.slice(2), 192, "hex");
  return bytes.toString("base64url");
}

const fitsUint64 = (value: RelayReceipt["inputUnits"]): value is bigint =>
  typeof value === "bigint" && value >= 0n && value < 1n << 64n;
