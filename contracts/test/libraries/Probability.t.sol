// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {Probability} from "../../src/libraries/Probability.sol";

contract ProbabilityTest is Test {
    uint256 internal constant UNIT = type(uint256).max / 1e18;

    function test_below_oneOrMore_alwaysTrue() public pure {
        vm.assertTrue(Probability.below(bytes32(type(uint256).max), 1e18));
        vm.assertTrue(Probability.below(bytes32(type(uint256).max), 2e18));
    }

    function test_below_zero_alwaysFalse() public pure {
        vm.assertFalse(Probability.below(bytes32(0), 0));
    }

    function test_below_boundary_isStrict() public pure {
        uint256 wad = 0.25e18;
        vm.assertTrue(Probability.below(bytes32(wad * UNIT - 1), wad));
        vm.assertFalse(Probability.below(bytes32(wad * UNIT), wad));
    }

    function test_below_justUnderOne_usesFloorConstant() public pure {
        uint256 wad = 1e18 - 1;
        vm.assertTrue(Probability.below(bytes32(wad * UNIT - 1), wad));
        vm.assertFalse(Probability.below(bytes32(type(uint256).max), wad));
    }

    function test_fuzz_below_monotoneInProbability(bytes32 hash, uint64 a, uint64 b) public pure {
        (uint64 low, uint64 high) = a <= b ? (a, b) : (b, a);
        if (Probability.below(hash, low)) vm.assertTrue(Probability.below(hash, high));
    }

    function test_fuzz_isMined_hashesKeyAndSeed(bytes32 relayKey, bytes32 seed, uint64 probability) public pure {
        bool expected = Probability.below(keccak256(abi.encode(relayKey, seed)), probability);
        vm.assertEq(Probability.isMined(relayKey, seed, probability), expected);
    }

    function test_isMined_sampleRate_closeToProbability() public pure {
        uint256 mined;
        for (uint256 i; i < 2000; ++i) {
            if (Probability.isMined(keccak256(abi.encode(i)), keccak256("seed"), 0.1e18)) ++mined;
        }
        vm.assertApproxEqAbs(mined, 200, 45); // binomial(2000, 0.1): sd ≈ 13.4
    }

    function test_isProofRequired_aboveThreshold_true() public pure {
        vm.assertTrue(Probability.isProofRequired(100, 100, keccak256("seed"), keccak256("claim"), 0));
    }

    function test_isProofRequired_noSeed_true() public pure {
        vm.assertTrue(Probability.isProofRequired(1, 100, bytes32(0), keccak256("claim"), 0));
    }

    function test_isProofRequired_probabilityZero_false() public pure {
        vm.assertFalse(Probability.isProofRequired(99, 100, keccak256("seed"), keccak256("claim"), 0));
    }

    function test_fuzz_isProofRequired_followsDraw(bytes32 seed, bytes32 claimKey, uint64 probability) public pure {
        vm.assume(seed != bytes32(0));
        bool expected = Probability.below(keccak256(abi.encode(seed, claimKey, uint256(0))), probability);
        vm.assertEq(Probability.isProofRequired(0, 1, seed, claimKey, probability), expected);
    }

    function test_proofDraws_useDomainsOneAndTwo() public pure {
        bytes32 seed = keccak256("seed");
        bytes32 claimKey = keccak256("claim");
        (uint256 sumDraw, uint256 countDraw) = Probability.proofDraws(seed, claimKey, 1_000_003, 17);
        vm.assertEq(sumDraw, uint256(keccak256(abi.encode(seed, claimKey, uint256(1)))) % 1_000_003);
        vm.assertEq(countDraw, uint256(keccak256(abi.encode(seed, claimKey, uint256(2)))) % 17);
    }

    function test_fuzz_proofDraws_belowSumAndCount(bytes32 seed, bytes32 claimKey, uint128 sum, uint64 count)
        public
        pure
    {
        sum = uint128(bound(sum, 1, type(uint128).max));
        count = uint64(bound(count, 1, type(uint64).max));
        (uint256 sumDraw, uint256 countDraw) = Probability.proofDraws(seed, claimKey, sum, count);
        vm.assertLt(sumDraw, sum);
        vm.assertLt(countDraw, count);
    }

    /// @dev The sum draw is uniform: a sub-interval holding a fraction f of the sum is hit in about f of the seeds.
    function test_proofDraws_sampleRate_closeToShare() public pure {
        uint256 hits;
        for (uint256 i; i < 2000; ++i) {
            (uint256 sumDraw,) = Probability.proofDraws(keccak256(abi.encode(i)), keccak256("claim"), 1e24 + 3e23, 1);
            if (sumDraw >= 1e24) ++hits; // the top 3/13 of the sum
        }
        vm.assertApproxEqAbs(hits, 461, 95); // 2000 * 3 / 13 // binomial(2000, 0.23): sd ≈ 18.8
    }
}
