// The input parsers every command shares: what they accept, and the message when they refuse.
import { afterEach, describe, expect, it } from "vitest";
import { CliInputError } from "../src/errors.ts";
import { parseAddress } from "../src/io/parseAddress.ts";
import { parseTokenAmount } from "../src/io/parseTokenAmount.ts";
import { parseWei } from "../src/io/parseWei.ts";
import { readPrivateKey } from "../src/io/readPrivateKey.ts";

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliInputError);
    return (error as CliInputError).shortMessage;
  }
  throw new Error("expected a CliInputError");
};

describe("parseTokenAmount", () => {
  it("reads decimal AVY into wei", () => {
    expect(parseTokenAmount("2000", "--amount")).toBe(2000n * 10n ** 18n);
    expect(parseTokenAmount("0.5", "--amount")).toBe(5n * 10n ** 17n);
    expect(parseTokenAmount(" 1.000000000000000001 ", "--amount")).toBe(10n ** 18n + 1n);
  });
  it("refuses negative, zero, garbage and over-precise amounts, naming the option", () => {
    expect(refusal(() => parseTokenAmount("-5", "--amount"))).toBe(
      '--amount must not be negative, got "-5".',
    );
    expect(refusal(() => parseTokenAmount("0", "--amount"))).toMatch(/--amount must be more than 0/);
    expect(refusal(() => parseTokenAmount("0.000", "--amount"))).toMatch(/must be more than 0/);
    for (const garbage of ["", "abc", "12abc", "1e3", "1,5", ".5", "0x10", "Infinity"])
      expect(refusal(() => parseTokenAmount(garbage, "--amount"))).toMatch(
        /--amount must be a decimal number of AVY/,
      );
    expect(refusal(() => parseTokenAmount("0.0000000000000000001", "--amount"))).toMatch(
      /more than 18 decimals/,
    );
  });
});

describe("parseAddress", () => {
  const checksummed = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
  it("accepts checksummed, lowercase and uppercase hex and returns the checksummed form", () => {
    expect(parseAddress(checksummed, "--gateway")).toBe(checksummed);
    expect(parseAddress(checksummed.toLowerCase(), "--gateway")).toBe(checksummed);
    expect(parseAddress(`0x${checksummed.slice(2).toUpperCase()}`, "--gateway")).toBe(checksummed);
  });
  it("refuses malformed addresses and wrong checksums", () => {
    expect(refusal(() => parseAddress("0x1234", "--gateway"))).toMatch(
      /--gateway must be an 0x-prefixed 20-byte address \(40 hex digits\), got "0x1234"/,
    );
    expect(refusal(() => parseAddress("gateway.eth", "--supplier"))).toMatch(
      /--supplier must be an 0x-prefixed/,
    );
    expect(refusal(() => parseAddress(checksummed.replace("dC", "Dc"), "--gateway"))).toMatch(
      /wrong EIP-55 checksum/,
    );
  });
});

describe("parseWei", () => {
  it("reads whole wei up to uint128", () => {
    expect(parseWei("0", "--input-price")).toBe(0n);
    expect(parseWei("1000000000000", "--input-price")).toBe(10n ** 12n);
  });
  it("refuses negatives, decimals and values above uint128", () => {
    expect(refusal(() => parseWei("-1", "--input-price"))).toMatch(/--input-price must not be negative/);
    expect(refusal(() => parseWei("1.5", "--output-price"))).toMatch(/--output-price must be token wei/);
    expect(refusal(() => parseWei((1n << 128n).toString(), "--input-price"))).toMatch(
      /does not fit in uint128/,
    );
  });
});

describe("readPrivateKey", () => {
  const variable = "AVIARY_TEST_READ_PRIVATE_KEY";
  afterEach(() => {
    delete process.env[variable];
  });
  it("reads a key from the named variable", () => {
    process.env[variable] = `0x${"ab".repeat(32)}`;
    expect(readPrivateKey(variable, "Staking")).toBe(`0x${"ab".repeat(32)}`);
  });
  it("says which variable is missing or malformed", () => {
    expect(refusal(() => readPrivateKey(variable, "Staking an application"))).toBe(
      `Staking an application needs a private key in ${variable}.`,
    );
    process.env[variable] = "0x1234";
    expect(refusal(() => readPrivateKey(variable, "Staking"))).toMatch(
      /must be a private key: 0x followed by 64/,
    );
    expect(refusal(() => readPrivateKey("not a name", "Staking"))).toMatch(
      /--key-env must name an environment/,
    );
  });
});
