// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {TrieBuilder, TrieLeaf, TrieProof} from "../utils/TrieBuilder.sol";
import {SumTrie} from "../../src/libraries/SumTrie.sol";
import {IAviarySettlement} from "../../src/interfaces/IAviarySettlement.sol";
import {TrieNode} from "../../src/types/AviaryTypes.sol";

/// @dev External entry points so side nodes arrive as calldata, as in prove().
contract SumTrieHarness {
    function verify(
        TrieNode memory root,
        bytes32 target,
        TrieLeaf memory leaf,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) external pure returns (uint256 depth) {
        return SumTrie.verify(root, target, leaf.key, leaf.valueHash, leaf.weight, sideNodes, emptyMask);
    }

    function check(
        TrieNode memory root,
        bytes32 target,
        TrieLeaf memory leaf,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) external pure returns (SumTrie.Verdict verdict, uint256 detail, bytes32 computedHash) {
        return SumTrie.check(root, target, leaf.key, leaf.valueHash, leaf.weight, sideNodes, emptyMask);
    }
}

contract SumTrieTest is Test {
    SumTrieHarness internal harness;

    // Known answers computed independently with viem encodePacked + keccak256.
    bytes32 internal constant VALUE_HASH = 0x37939b4cb6f564ce7c86365e2dbd9ecde50c55780684ed7b5421f331b168d6ff;
    bytes32 internal constant LEAF_HASH = 0x8360e9f43f94e94d4e5211e3d69ee1e9a3a5656f59a8df982a0ee27c2aec2f8a;
    bytes32 internal constant INNER_HASH = 0x342ea7f190c7a1cb91bf8dcbd6e1e6b2e826b3cdf7d57303319d34777c229a17;

    function setUp() public {
        harness = new SumTrieHarness();
    }

    // ───────────────────────────── helpers ─────────────────────────────

    function _leaf(bytes32 key, uint128 weight) internal pure returns (TrieLeaf memory) {
        return TrieLeaf({key: key, valueHash: keccak256(abi.encode("value", key)), weight: weight});
    }

    /// @dev A key whose top three bits are `top` (0..7), the rest from `salt`.
    function _keyWithTop(uint256 top, uint256 salt) internal pure returns (bytes32) {
        return bytes32((top << 253) | (uint256(keccak256(abi.encode(salt))) >> 3));
    }

    function _randomLeaves(uint256 n, bytes32 seed) internal pure returns (TrieLeaf[] memory leaves) {
        leaves = new TrieLeaf[](n);
        for (uint256 i; i < n; ++i) {
            bytes32 key = keccak256(abi.encode(seed, i));
            leaves[i] = _leaf(key, uint128(uint256(key) % 1e21) + 1);
        }
    }

    function _verify(TrieLeaf[] memory leaves, bytes32 target) internal view returns (uint256 depth) {
        TrieProof memory proof = TrieBuilder.closestProof(leaves, target);
        return
            harness.verify(TrieBuilder.root(leaves), target, leaves[proof.leafIndex], proof.sideNodes, proof.emptyMask);
    }

    function _drop(TrieNode[] memory nodes, uint256 index) internal pure returns (TrieNode[] memory out) {
        out = new TrieNode[](nodes.length - 1);
        uint256 j;
        for (uint256 i; i < nodes.length; ++i) {
            if (i != index) out[j++] = nodes[i];
        }
    }

    function _append(TrieNode[] memory nodes, TrieNode memory extra) internal pure returns (TrieNode[] memory out) {
        out = new TrieNode[](nodes.length + 1);
        for (uint256 i; i < nodes.length; ++i) {
            out[i] = nodes[i];
        }
        out[nodes.length] = extra;
    }

    // ───────────────────────────── hashing ─────────────────────────────

    function test_leafHash_matchesViemVector() public pure {
        vm.assertEq(SumTrie.leafHash(keccak256("key"), VALUE_HASH, 900), LEAF_HASH);
    }

    function test_leafHash_is81PackedBytes() public pure {
        bytes memory packed = bytes.concat(bytes1(0x00), keccak256("key"), VALUE_HASH, bytes16(uint128(900)));
        vm.assertEq(packed.length, 81);
        vm.assertEq(SumTrie.leafHash(keccak256("key"), VALUE_HASH, 900), keccak256(packed));
    }

    function test_innerHash_matchesViemVector() public pure {
        TrieNode memory left = TrieNode(LEAF_HASH, 900, 1);
        TrieNode memory right = TrieNode(keccak256("right"), 77, 3);
        vm.assertEq(SumTrie.innerHash(left, right), INNER_HASH);
    }

    function test_inner_addsSumsAndCounts() public pure {
        TrieNode memory node = SumTrie.inner(TrieNode(LEAF_HASH, 900, 1), TrieNode(keccak256("right"), 77, 3));
        vm.assertEq(node.hash, INNER_HASH);
        vm.assertEq(node.sum, 977);
        vm.assertEq(node.count, 4);
    }

    function test_bitAt_mostSignificantFirst() public pure {
        bytes32 path = bytes32(uint256(1) << 255 | 1);
        vm.assertEq(SumTrie.bitAt(path, 0), 1);
        vm.assertEq(SumTrie.bitAt(path, 1), 0);
        vm.assertEq(SumTrie.bitAt(path, 255), 1);
    }

    function test_depthOf_countsMaskBits() public pure {
        vm.assertEq(SumTrie.depthOf(3, 0), 3);
        vm.assertEq(SumTrie.depthOf(3, 0x13), 6);
        vm.assertEq(SumTrie.depthOf(0, type(uint256).max), 256);
    }

    // ───────────────────────────── valid proofs ─────────────────────────────

    function test_verify_singleLeaf_depthZero() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](1);
        leaves[0] = _leaf(keccak256("only"), 5);
        vm.assertEq(_verify(leaves, keccak256("anything")), 0);
    }

    function test_verify_twoLeaves_followsTarget() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5); // left
        leaves[1] = _leaf(_keyWithTop(4, 2), 7); // right
        TrieProof memory proof = TrieBuilder.closestProof(leaves, _keyWithTop(0, 99));
        vm.assertEq(proof.leafIndex, 0);
        proof = TrieBuilder.closestProof(leaves, _keyWithTop(7, 99));
        vm.assertEq(proof.leafIndex, 1);
        vm.assertEq(_verify(leaves, _keyWithTop(0, 99)), 1);
        vm.assertEq(_verify(leaves, _keyWithTop(7, 99)), 1);
    }

    function test_verify_emptySideNodes_flaggedInMask() public view {
        // 000… and 001… share two levels: depth 3, side nodes at depths 0 and 1 are Empty.
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(1, 2), 7);
        TrieProof memory proof = TrieBuilder.closestProof(leaves, _keyWithTop(1, 99));
        vm.assertEq(proof.leafIndex, 1);
        vm.assertEq(proof.emptyMask, 3);
        vm.assertEq(proof.sideNodes.length, 1);
        vm.assertEq(_verify(leaves, _keyWithTop(1, 99)), 3);
    }

    function test_verify_targetSideEmpty_takesOtherChild() public view {
        // Both leaves on the left; a target going right must land on the closest of them.
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(2, 2), 7);
        TrieProof memory proof = TrieBuilder.closestProof(leaves, _keyWithTop(7, 99));
        vm.assertEq(proof.leafIndex, 1);
        vm.assertEq(_verify(leaves, _keyWithTop(7, 99)), 2);
    }

    function test_verify_explicitEmptySideNode_acceptedLikeMask() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(1, 2), 7);
        TrieProof memory proof = TrieBuilder.closestProof(leaves, _keyWithTop(1, 99));
        TrieNode[] memory explicitNodes = new TrieNode[](3);
        explicitNodes[2] = proof.sideNodes[0];
        uint256 depth = harness.verify(TrieBuilder.root(leaves), _keyWithTop(1, 99), leaves[1], explicitNodes, 0);
        vm.assertEq(depth, 3);
    }

    function test_verify_fullDepth256_verifies() public view {
        // Keys that differ only in their last bit sit at depth 256.
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(bytes32(uint256(keccak256("deep")) & ~uint256(1)), 5);
        leaves[1] = _leaf(bytes32(uint256(keccak256("deep")) | 1), 7);
        TrieProof memory proof = TrieBuilder.closestProof(leaves, leaves[1].key);
        vm.assertEq(proof.depth, 256);
        vm.assertEq(proof.emptyMask, type(uint256).max >> 1);
        vm.assertEq(_verify(leaves, leaves[1].key), 256);
    }

    function test_check_invalidProof_returnsVerdictWithoutReverting() public view {
        TrieLeaf[] memory leaves = _randomLeaves(4, "check");
        TrieProof memory proof = TrieBuilder.closestProof(leaves, leaves[0].key);
        TrieNode memory root = TrieBuilder.root(leaves);
        TrieLeaf memory tampered = leaves[proof.leafIndex];
        tampered.weight += 1;
        (SumTrie.Verdict verdict,,) = harness.check(root, leaves[0].key, tampered, proof.sideNodes, proof.emptyMask);
        vm.assertTrue(verdict == SumTrie.Verdict.RootMismatch);
    }

    // ───────────────────────────── attacks ─────────────────────────────

    function test_verify_nonClosestLeaf_revertsNotClosestLeaf() public {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(4, 2), 7);
        TrieNode memory root = TrieBuilder.root(leaves);
        // A correct membership proof of the right leaf, against a target on the left.
        TrieNode[] memory sides = new TrieNode[](1);
        sides[0] = TrieBuilder.leafNode(leaves[0]);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.NotClosestLeaf.selector, 0));
        harness.verify(root, _keyWithTop(0, 99), leaves[1], sides, 0);
    }

    function test_verify_extraSideNode_revertsRootMismatch() public {
        TrieLeaf[] memory leaves = _randomLeaves(3, "extra");
        TrieProof memory proof = TrieBuilder.closestProof(leaves, leaves[0].key);
        TrieNode[] memory sides = _append(proof.sideNodes, TrieNode(keccak256("fake"), 1, 1));
        TrieNode memory root = TrieBuilder.root(leaves);
        // Target = the leaf's own key: closeness cannot fail, so the fold must.
        (SumTrie.Verdict verdict, uint256 depth, bytes32 computed) =
            harness.check(root, leaves[0].key, leaves[0], sides, proof.emptyMask);
        vm.assertTrue(verdict == SumTrie.Verdict.RootMismatch);
        vm.assertEq(depth, proof.depth + 1);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, computed));
        harness.verify(root, leaves[0].key, leaves[0], sides, proof.emptyMask);
    }

    function test_verify_missingSideNode_revertsRootMismatch() public {
        TrieLeaf[] memory leaves = _randomLeaves(5, "missing");
        TrieProof memory proof = TrieBuilder.closestProof(leaves, leaves[0].key);
        vm.assertGt(proof.sideNodes.length, 1);
        TrieNode[] memory sides = _drop(proof.sideNodes, 0);
        TrieNode memory root = TrieBuilder.root(leaves);
        (,, bytes32 computed) = harness.check(root, leaves[0].key, leaves[0], sides, proof.emptyMask);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, computed));
        harness.verify(root, leaves[0].key, leaves[0], sides, proof.emptyMask);
    }

    function test_verify_maskBitAboveDepth_revertsInvalidProofDepth() public {
        TrieLeaf[] memory leaves = _randomLeaves(3, "mask");
        TrieProof memory proof = TrieBuilder.closestProof(leaves, leaves[0].key);
        // Setting bit `depth` raises the depth by one, so the mask's top bit lands at the new depth's limit;
        // bit 255 is above any depth below 256.
        uint256 mask = proof.emptyMask | (uint256(1) << 255);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofDepth.selector, proof.depth + 1));
        harness.verify(TrieBuilder.root(leaves), leaves[0].key, leaves[0], proof.sideNodes, mask);
    }

    function test_verify_maskFlagsPresentNode_revertsRootMismatch() public {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(4, 2), 7);
        TrieNode memory root = TrieBuilder.root(leaves);
        // Claims the sibling at depth 0 is Empty: depth 1, no side nodes; the fold misses the sibling's sum.
        (SumTrie.Verdict verdict,, bytes32 computed) =
            harness.check(root, leaves[0].key, leaves[0], new TrieNode[](0), 1);
        vm.assertTrue(verdict == SumTrie.Verdict.RootMismatch);
        vm.assertEq(computed, SumTrie.innerHash(TrieBuilder.leafNode(leaves[0]), TrieNode(bytes32(0), 0, 0)));
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, computed));
        harness.verify(root, leaves[0].key, leaves[0], new TrieNode[](0), 1);
    }

    function test_verify_depthAbove256_revertsInvalidProofDepth() public {
        TrieLeaf[] memory leaves = _randomLeaves(2, "deep");
        TrieNode[] memory sides = new TrieNode[](257);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofDepth.selector, 257));
        harness.verify(TrieBuilder.root(leaves), leaves[0].key, leaves[0], sides, 0);
        TrieNode[] memory oneSide = new TrieNode[](1);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofDepth.selector, 257));
        harness.verify(TrieBuilder.root(leaves), leaves[0].key, leaves[0], oneSide, type(uint256).max);
    }

    function test_verify_wrongWeight_revertsRootMismatch() public {
        TrieLeaf[] memory leaves = _randomLeaves(4, "weight");
        TrieProof memory proof = TrieBuilder.closestProof(leaves, keccak256("t"));
        TrieNode memory root = TrieBuilder.root(leaves);
        TrieLeaf memory leaf = leaves[proof.leafIndex];
        leaf.weight *= 2;
        (,, bytes32 computed) = harness.check(root, keccak256("t"), leaf, proof.sideNodes, proof.emptyMask);
        vm.assertNotEq(computed, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, computed));
        harness.verify(root, keccak256("t"), leaf, proof.sideNodes, proof.emptyMask);
    }

    function test_verify_keyNotOfValue_revertsRootMismatch() public {
        // The trie was built with another key for this value; the verifier folds with the recomputed key.
        TrieLeaf[] memory leaves = new TrieLeaf[](1);
        leaves[0] = _leaf(keccak256("built-with"), 5);
        TrieNode memory root = TrieBuilder.root(leaves);
        TrieLeaf memory honest = TrieLeaf(keccak256("recomputed"), leaves[0].valueHash, 5);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAviarySettlement.RootMismatch.selector,
                root.hash,
                SumTrie.leafHash(honest.key, honest.valueHash, honest.weight)
            )
        );
        harness.verify(root, honest.key, honest, new TrieNode[](0), 0);
    }

    function test_verify_sumOverflow_revertsRootMismatch() public {
        TrieLeaf memory leaf = _leaf(_keyWithTop(0, 1), 2);
        TrieNode[] memory sides = new TrieNode[](2);
        sides[0] = TrieNode(keccak256("a"), type(uint128).max, 1);
        sides[1] = TrieNode(keccak256("b"), type(uint128).max, 1);
        TrieNode memory root = TrieNode(keccak256("root"), type(uint128).max, 3);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, bytes32(0)));
        harness.verify(root, leaf.key, leaf, sides, 0);
    }

    // ───────────────────────────── fuzz ─────────────────────────────

    function test_fuzz_verify_closestLeafPasses(bytes32 seed, uint8 size, bytes32 target) public view {
        TrieLeaf[] memory leaves = _randomLeaves(bound(size, 1, 12), seed);
        TrieProof memory proof = TrieBuilder.closestProof(leaves, target);
        TrieNode memory root = TrieBuilder.root(leaves);
        uint256 depth = harness.verify(root, target, leaves[proof.leafIndex], proof.sideNodes, proof.emptyMask);
        vm.assertEq(depth, proof.depth);
    }

    function test_fuzz_verify_otherLeavesAreNotClosest(bytes32 seed, uint8 size, bytes32 target) public view {
        TrieLeaf[] memory leaves = _randomLeaves(bound(size, 2, 10), seed);
        TrieProof memory closest = TrieBuilder.closestProof(leaves, target);
        TrieNode memory root = TrieBuilder.root(leaves);
        for (uint256 i; i < leaves.length; ++i) {
            if (i == closest.leafIndex) continue;
            // A membership proof of leaf i (its own key as target) is a valid fold, but not for `target`.
            TrieProof memory membership = TrieBuilder.closestProof(leaves, leaves[i].key);
            vm.assertEq(membership.leafIndex, i);
            (SumTrie.Verdict verdict,,) =
                harness.check(root, target, leaves[i], membership.sideNodes, membership.emptyMask);
            vm.assertTrue(verdict == SumTrie.Verdict.NotClosest);
        }
    }

    function test_fuzz_verify_rootSumAndCount(bytes32 seed, uint8 size) public pure {
        TrieLeaf[] memory leaves = _randomLeaves(bound(size, 1, 16), seed);
        uint256 sum;
        for (uint256 i; i < leaves.length; ++i) {
            sum += leaves[i].weight;
        }
        TrieNode memory root = TrieBuilder.root(leaves);
        vm.assertEq(root.sum, sum);
        vm.assertEq(root.count, leaves.length);
    }
}
