import { aviaryRegistryAbi, aviarySettlementAbi } from "@aviary/protocol";
import { ContractFunctionRevertedError, encodeErrorResult, type Hex } from "viem";
import { describe, expect, test } from "vitest";
import { ContractRevertedError } from "../../errors.ts";
import { toContractRevertedError } from "./decodeRevert.ts";

const supplier = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** What viem throws for revert data `data` of a call made with the settlement's ABI. */
const revert = (data: Hex) =>
  new ContractFunctionRevertedError({ abi: aviarySettlementAbi, data, functionName: "claim" });

describe("toContractRevertedError", () => {
  test("test_decode_settlementError_namesItWithItsMeaning", () => {
    const data = encodeErrorResult({
      abi: aviarySettlementAbi,
      errorName: "InsufficientCollateral",
      args: [supplier, 10n ** 21n, 25n * 10n ** 19n],
    });
    const error = toContractRevertedError(revert(data), "claim");
    expect(error).toBeInstanceOf(ContractRevertedError);
    const decoded = error as ContractRevertedError;
    expect(decoded.errorName).toBe("InsufficientCollateral");
    expect(decoded.args).toEqual([supplier, 10n ** 21n, 25n * 10n ** 19n]);
    expect(decoded.shortMessage).toBe(
      `claim reverted with InsufficientCollateral(${supplier}, ${10n ** 21n}, ${25n * 10n ** 19n}): supplier ${supplier} needs 1000 AVY of unlocked stake as the claim's collateral but has 250 AVY.`,
    );
    expect(decoded.isRetryable).toBe(false);
  });

  test("test_decode_registryErrorBubbledThroughTheSettlement_isDecodedToo", () => {
    // The settlement's ABI does not know the registry's errors: viem leaves them undecoded.
    const data = encodeErrorResult({
      abi: aviaryRegistryAbi,
      errorName: "UnsettledClaims",
      args: [supplier, 2n],
    });
    const viemError = revert(data);
    expect(viemError.data).toBeUndefined();
    const decoded = toContractRevertedError(viemError, "withdrawApplication") as ContractRevertedError;
    expect(decoded.errorName).toBe("UnsettledClaims");
    expect(decoded.shortMessage).toContain("has 2 unsettled claim(s): they must settle before it withdraws");
  });

  test("test_decode_enumArguments_areNamed", () => {
    const leafNotDrawn = encodeErrorResult({
      abi: aviarySettlementAbi,
      errorName: "LeafNotDrawn",
      args: [1, 7n, 0n, 1n],
    });
    expect((toContractRevertedError(revert(leafNotDrawn), "prove") as Error).message).toMatch(
      /the draw by count \(7\) is outside the proven leaf's interval \[0, 1\)/,
    );
    const mismatch = encodeErrorResult({ abi: aviarySettlementAbi, errorName: "RequestMismatch", args: [4] });
    expect((toContractRevertedError(revert(mismatch), "prove") as Error).message).toMatch(
      /the proven relay's price is not the claim's/,
    );
  });

  test("test_decode_unknownSelector_keepsTheSelector", () => {
    const decoded = toContractRevertedError(revert("0xdeadbeef"), "claim") as ContractRevertedError;
    expect(decoded).toBeInstanceOf(ContractRevertedError);
    expect(decoded.errorName).toBeUndefined();
    expect(decoded.signature).toBe("0xdeadbeef");
  });

  test("test_decode_notARevert_isLeftAsItIs", () => {
    const network = new Error("fetch failed");
    expect(toContractRevertedError(network, "claim")).toBe(network);
  });
});
