import {
  type Address,
  concat,
  type Hex,
  hashDomain,
  hashStruct,
  hashTypedData,
  keccak256,
  numberToHex,
  pad,
  toHex,
  verifyTypedData,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { SignatureInvalidError } from "../errors/signatures.ts";
import { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { seededRandom as seeded } from "../random/seededRandom.ts";
import { hashRelayReceipt } from "./hashRelayReceipt.ts";
import { hashRelayRequest } from "./hashRelayRequest.ts";
import { recoverRelayReceiptSigner } from "./recoverRelayReceiptSigner.ts";
import { recoverRelayRequestSigner } from "./recoverRelayRequestSigner.ts";
import { relayDomainSeparator } from "./relayDomainSeparator.ts";
import { relayKey, relayKeyOfStructHash } from "./relayKey.ts";
import { relayDomain, relayTypes } from "./relayTypes.ts";
import { relayValueHash } from "./relayValueHash.ts";
import {
  type RelayReceipt,
  type RelayRequest,
  relayReceiptSchema,
  relayRequestSchema,
  signedRelaySchema,
} from "./schemas.ts";
import { signRelayReceipt } from "./signRelayReceipt.ts";
import { signRelayRequest } from "./signRelayRequest.ts";

const random = seeded(42);
const randomHex = (bytes: number): Hex =>
  toHex(Uint8Array.from({ length: bytes }, () => Math.floor(random() * 256)));
const randomUint = (bits: number): bigint => BigInt(randomHex(bits / 8));
function randomRequest(): RelayRequest {
  return {
    application: randomHex(20) as Address,
    supplier: randomHex(20) as Address,
    model: randomHex(32),
    session: randomUint(64),
    nonce: randomUint(64),
    bodyHash: randomHex(32),
    inputPrice: randomUint(128),
    outputPrice: randomUint(128),
    maxCost: randomUint(128),
  };
}
function randomReceipt(request: RelayRequest): RelayReceipt {
  return {
    request: hashRelayRequest(request),
    responseHash: randomHex(32),
    inputUnits: randomUint(64),
    outputUnits: randomUint(64),
  };
}
const domain = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };

describe("EIP-712 hashing matches viem", () => {
  test("test_domainSeparator_matchesHashDomain", () => {
    for (const chainId of [1, 31337, 8453n, 2n ** 200n]) {
      const full = relayDomain({ chainId, verifyingContract: randomHex(20) as Address });
      expect(relayDomainSeparator(full)).toBe(
        hashDomain({
          domain: { ...full, chainId: BigInt(full.chainId) },
          types: {
            EIP712Domain: [
              { name: "name", type: "string" },
              { name: "version", type: "string" },
              { name: "chainId", type: "uint256" },
              { name: "verifyingContract", type: "address" },
            ],
          },
        }),
      );
    }
  });

  test("test_structHashesAndDigests_matchViem_random", () => {
    for (let i = 0; i < 200; i++) {
      const request = randomRequest();
      const receipt = randomReceipt(request);
      expect(hashRelayRequest(request)).toBe(
        hashStruct({ data: request, primaryType: "RelayRequest", types: relayTypes }),
      );
      expect(relayKey({ domain, request })).toBe(
        hashTypedData({
          domain: relayDomain(domain),
          types: relayTypes,
          primaryType: "RelayRequest",
          message: request,
        }),
      );
      expect(relayKeyOfStructHash(domain, hashRelayRequest(request))).toBe(relayKey({ domain, request }));
      expect(hashRelayReceipt({ domain, receipt })).toBe(
        hashTypedData({
          domain: relayDomain(domain),
          types: relayTypes,
          primaryType: "RelayReceipt",
          message: receipt,
        }),
      );
    }
  });

  test("test_structHash_extremeValues", () => {
    const max = (bits: number) => (1n << BigInt(bits)) - 1n;
    const request: RelayRequest = {
      application: `0x${"ff".repeat(20)}`,
      supplier: `0x${"00".repeat(20)}`,
      model: `0x${"FF".repeat(32)}`,
      session: max(64),
      nonce: 0n,
      bodyHash: `0x${"00".repeat(32)}`,
      inputPrice: max(128),
      outputPrice: 0n,
      maxCost: max(128),
    };
    expect(hashRelayRequest(request)).toBe(
      hashStruct({ data: request, primaryType: "RelayRequest", types: relayTypes }),
    );
  });

  test("test_hashing_outOfRangeFields_throw", () => {
    const request = randomRequest();
    expect(() => hashRelayRequest({ ...request, session: 1n << 64n })).toThrow(ValueOutOfRangeError);
    expect(() => hashRelayRequest({ ...request, maxCost: -1n })).toThrow(ValueOutOfRangeError);
    expect(() => hashRelayRequest({ ...request, model: "0x1234" })).toThrow(HexInvalidError);
    expect(() => hashRelayRequest({ ...request, application: "0x12" as Address })).toThrow(HexInvalidError);
  });
});

describe("signing and recovery", () => {
  test("test_signRequestAndReceipt_roundtrip_privateKeyAndAccount", async () => {
    const applicationKey = generatePrivateKey();
    const operatorKey = generatePrivateKey();
    const application = privateKeyToAccount(applicationKey);
    const operator = privateKeyToAccount(operatorKey);
    const request = { ...randomRequest(), application: application.address };
    const receipt = randomReceipt(request);

    const byKey = await signRelayRequest({ domain, request, signer: applicationKey });
    const byAccount = await signRelayRequest({ domain, request, signer: application });
    expect(byKey).toBe(byAccount); // RFC 6979: deterministic
    expect(byKey).toMatch(/^0x[0-9a-f]{130}$/);
    expect(await recoverRelayRequestSigner({ domain, request, signature: byKey })).toBe(application.address);
    expect(
      await verifyTypedData({
        address: application.address,
        domain: relayDomain(domain),
        types: relayTypes,
        primaryType: "RelayRequest",
        message: request,
        signature: byKey,
      }),
    ).toBe(true);

    const receiptSignature = await signRelayReceipt({ domain, receipt, signer: operator });
    expect(receiptSignature).toBe(await signRelayReceipt({ domain, receipt, signer: operatorKey }));
    expect(await recoverRelayReceiptSigner({ domain, receipt, signature: receiptSignature })).toBe(
      operator.address,
    );
    // Another domain, another signer.
    const otherDomain = { ...domain, chainId: 1 };
    expect(
      await recoverRelayReceiptSigner({ domain: otherDomain, receipt, signature: receiptSignature }),
    ).not.toBe(operator.address);
  });

  test("test_recover_malformedSignature_throwsSignatureInvalid", async () => {
    const request = randomRequest();
    await expect(recoverRelayRequestSigner({ domain, request, signature: "0x1234" })).rejects.toThrow(
      SignatureInvalidError,
    );
    await expect(
      recoverRelayReceiptSigner({
        domain,
        receipt: randomReceipt(request),
        signature: `0x${"00".repeat(65)}`,
      }),
    ).rejects.toThrow(SignatureInvalidError);
  });

  test("test_sign_badPrivateKey_throwsSignatureInvalid", async () => {
    await expect(signRelayRequest({ domain, request: randomRequest(), signer: "0x1234" })).rejects.toThrow(
      SignatureInvalidError,
    );
  });
});

describe("value hash", () => {
  test("test_relayValueHash_matchesHandEncodedAbi", () => {
    const request = randomRequest();
    const receipt = randomReceipt(request);
    const requestSignature = randomHex(65);
    const receiptSignature = randomHex(65);
    const word = (value: bigint | Hex) =>
      typeof value === "bigint" ? numberToHex(value, { size: 32 }) : pad(value, { size: 32 });
    const bytesTail = (data: Hex) => {
      const length = (data.length - 2) / 2;
      const padded = pad(data, { size: Math.ceil(length / 32) * 32, dir: "right" });
      return [word(BigInt(length)), padded];
    };
    // Head: request (9 words, static tuple inline), offset, receipt (4 words), offset = 15 words.
    const head = [
      word(request.application),
      word(request.supplier),
      request.model,
      word(request.session),
      word(request.nonce),
      request.bodyHash,
      word(request.inputPrice),
      word(request.outputPrice),
      word(request.maxCost),
      word(15n * 32n),
      receipt.request,
      receipt.responseHash,
      word(receipt.inputUnits),
      word(receipt.outputUnits),
      word(15n * 32n + 32n + 96n), // after the first bytes: length word + 65 bytes padded to 96
    ];
    const manual = keccak256(
      concat([...head, ...bytesTail(requestSignature), ...bytesTail(receiptSignature)]),
    );
    expect(relayValueHash({ request, requestSignature, receipt, receiptSignature })).toBe(manual);
  });
});

describe("schemas", () => {
  test("test_schemas_parseJsonShapes_andRejectOutOfRange", () => {
    const request = randomRequest();
    const json = JSON.parse(
      JSON.stringify(request, (_, value) => (typeof value === "bigint" ? value.toString() : value)),
    );
    expect(relayRequestSchema.parse(json)).toEqual(request);
    expect(relayRequestSchema.safeParse({ ...json, session: (1n << 64n).toString() }).success).toBe(false);
    expect(relayRequestSchema.safeParse({ ...json, nonce: -1 }).success).toBe(false);
    expect(relayRequestSchema.safeParse({ ...json, nonce: "01" }).success).toBe(false);
    expect(relayRequestSchema.safeParse({ ...json, model: "0x12" }).success).toBe(false);
    expect(relayRequestSchema.safeParse({ ...json, supplier: `0x${"g".repeat(40)}` }).success).toBe(false);
    expect(relayReceiptSchema.parse({ ...randomReceipt(request), inputUnits: 5 }).inputUnits).toBe(5n);
    expect(
      signedRelaySchema.safeParse({
        request,
        requestSignature: randomHex(64),
        receipt: randomReceipt(request),
        receiptSignature: randomHex(65),
      }).success,
    ).toBe(false);
  });
});
