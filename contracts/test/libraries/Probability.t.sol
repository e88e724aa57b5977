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

    function test_proofTarget_usesDomainOne() public pure {
        bytes32 seed = keccak256("seed");
        bytes32 claimKey = keccak256("claim");
        vm.assertEq(Probability.proofTarget(seed, claimKey), keccak256(abi.encode(seed, claimKey, uint256(1))));
        vm.assertNotEq(Probability.proofTarget(seed, claimKey), keccak256(abi.encode(seed, claimKey, uint256(0))));
    }
}
