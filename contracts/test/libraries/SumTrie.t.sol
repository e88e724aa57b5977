// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {TrieBuilder, TrieLeaf, TrieProof} from "../utils/TrieBuilder.sol";
import {SumTrie} from "../../src/libraries/SumTrie.sol";
import {IAviarySettlement} from "../../src/interfaces/IAviarySettlement.sol";
import {ProofDraw, ProofVerdict, TrieNode} from "../../src/types/AviaryTypes.sol";

/// @dev External entry points so side nodes arrive as calldata, as in prove().
contract SumTrieHarness {
    function verify(
        TrieNode memory root,
        ProofDraw by,
        uint256 drawn,
        TrieLeaf memory leaf,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) external pure {
        SumTrie.verify(root, by, drawn, leaf.key, leaf.valueHash, leaf.weight, sideNodes, emptyMask);
    }

    function check(
        TrieNode memory root,
        ProofDraw by,
        uint256 drawn,
        TrieLeaf memory leaf,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) external pure returns (ProofVerdict verdict, uint256 start, uint256 end, bytes32 computedHash) {
        return SumTrie.check(root, by, drawn, leaf.key, leaf.valueHash, leaf.weight, sideNodes, emptyMask);
    }

    function fold(TrieNode memory root, TrieLeaf memory leaf, TrieNode[] calldata sideNodes, uint256 emptyMask)
        external
        pure
        returns (ProofVerdict verdict, uint256 depth, bytes32 computedHash, uint256 prefixSum, uint256 prefixCount)
    {
        return SumTrie.fold(root, leaf.key, leaf.valueHash, leaf.weight, sideNodes, emptyMask);
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

    /// @dev Verifies the leaf `drawn` selects (by `by`) with the builder's proof; returns the proof.
    function _verifyDrawn(TrieLeaf[] memory leaves, ProofDraw by, uint256 drawn)
        internal
        view
        returns (TrieProof memory proof)
    {
        proof = TrieBuilder.drawnProof(leaves, by, drawn);
        harness.verify(TrieBuilder.root(leaves), by, drawn, leaves[proof.leafIndex], proof.sideNodes, proof.emptyMask);
    }

    function _verdict(
        TrieNode memory root,
        ProofDraw by,
        uint256 drawn,
        TrieLeaf memory leaf,
        TrieNode[] memory sideNodes,
        uint256 emptyMask
    ) internal view returns (ProofVerdict verdict) {
        (verdict,,,) = harness.check(root, by, drawn, leaf, sideNodes, emptyMask);
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

    function test_verify_singleLeaf_depthZeroBothDraws() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](1);
        leaves[0] = _leaf(keccak256("only"), 5);
        for (uint256 r; r < 5; ++r) {
            vm.assertEq(_verifyDrawn(leaves, ProofDraw.Sum, r).depth, 0);
        }
        vm.assertEq(_verifyDrawn(leaves, ProofDraw.Count, 0).depth, 0);
    }

    function test_verify_twoLeaves_sumDrawFollowsLeftSum() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5); // left: [0, 5)
        leaves[1] = _leaf(_keyWithTop(4, 2), 7); // right: [5, 12)
        TrieProof memory proof = _verifyDrawn(leaves, ProofDraw.Sum, 4);
        vm.assertEq(proof.leafIndex, 0);
        vm.assertEq(proof.start, 0);
        vm.assertEq(proof.end, 5);
        proof = _verifyDrawn(leaves, ProofDraw.Sum, 5);
        vm.assertEq(proof.leafIndex, 1);
        vm.assertEq(proof.start, 5);
        vm.assertEq(proof.end, 12);
        vm.assertEq(_verifyDrawn(leaves, ProofDraw.Sum, 11).leafIndex, 1);
    }

    function test_verify_twoLeaves_countDrawIsPosition() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 1_000); // the heavy leaf still counts 1
        leaves[1] = _leaf(_keyWithTop(4, 2), 7);
        vm.assertEq(_verifyDrawn(leaves, ProofDraw.Count, 0).leafIndex, 0);
        vm.assertEq(_verifyDrawn(leaves, ProofDraw.Count, 1).leafIndex, 1);
    }

    function test_verify_emptySideNodes_flaggedInMask() public view {
        // 000… and 001… share two levels: depth 3, side nodes at depths 0 and 1 are Empty.
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(1, 2), 7);
        TrieProof memory proof = _verifyDrawn(leaves, ProofDraw.Sum, 6);
        vm.assertEq(proof.leafIndex, 1);
        vm.assertEq(proof.emptyMask, 3);
        vm.assertEq(proof.sideNodes.length, 1);
        vm.assertEq(proof.depth, 3);
    }

    function test_verify_zeroWeightLeaf_neverDrawnBySum() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](3);
        leaves[0] = _leaf(_keyWithTop(0, 1), 0);
        leaves[1] = _leaf(_keyWithTop(4, 2), 3);
        leaves[2] = _leaf(_keyWithTop(6, 3), 2);
        for (uint256 r; r < 5; ++r) {
            vm.assertNotEq(_verifyDrawn(leaves, ProofDraw.Sum, r).leafIndex, 0);
        }
        // By count it is a leaf like any other.
        vm.assertEq(_verifyDrawn(leaves, ProofDraw.Count, 0).leafIndex, 0);
        TrieProof memory own = TrieBuilder.proofOf(leaves, 0);
        vm.assertTrue(
            _verdict(TrieBuilder.root(leaves), ProofDraw.Sum, 0, leaves[0], own.sideNodes, own.emptyMask)
                == ProofVerdict.NotDrawn
        );
    }

    function test_verify_explicitEmptySideNode_acceptedLikeMask() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(1, 2), 7);
        TrieProof memory proof = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, 6);
        TrieNode[] memory explicitNodes = new TrieNode[](3);
        explicitNodes[2] = proof.sideNodes[0];
        harness.verify(TrieBuilder.root(leaves), ProofDraw.Sum, 6, leaves[1], explicitNodes, 0);
        (, uint256 depth,,,) = harness.fold(TrieBuilder.root(leaves), leaves[1], explicitNodes, 0);
        vm.assertEq(depth, 3);
    }

    function test_verify_fullDepth256_verifies() public view {
        // Keys that differ only in their last bit sit at depth 256.
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(bytes32(uint256(keccak256("deep")) & ~uint256(1)), 5);
        leaves[1] = _leaf(bytes32(uint256(keccak256("deep")) | 1), 7);
        TrieProof memory proof = _verifyDrawn(leaves, ProofDraw.Count, 1);
        vm.assertEq(proof.leafIndex, 1);
        vm.assertEq(proof.depth, 256);
        vm.assertEq(proof.emptyMask, type(uint256).max >> 1);
    }

    function test_fold_returnsPrefixesOfLeftSiblings() public view {
        TrieLeaf[] memory leaves = new TrieLeaf[](4);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5); // 000
        leaves[1] = _leaf(_keyWithTop(2, 2), 7); // 010
        leaves[2] = _leaf(_keyWithTop(4, 3), 11); // 100
        leaves[3] = _leaf(_keyWithTop(6, 4), 13); // 110
        TrieNode memory root = TrieBuilder.root(leaves);
        TrieProof memory proof = TrieBuilder.proofOf(leaves, 3);
        (ProofVerdict verdict, uint256 depth,, uint256 prefixSum, uint256 prefixCount) =
            harness.fold(root, leaves[3], proof.sideNodes, proof.emptyMask);
        vm.assertTrue(verdict == ProofVerdict.Valid);
        vm.assertEq(depth, 2);
        vm.assertEq(prefixSum, 5 + 7 + 11);
        vm.assertEq(prefixCount, 3);
    }

    function test_check_invalidProof_returnsVerdictWithoutReverting() public view {
        TrieLeaf[] memory leaves = _randomLeaves(4, "check");
        TrieProof memory proof = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, 0);
        TrieNode memory root = TrieBuilder.root(leaves);
        TrieLeaf memory tampered = leaves[proof.leafIndex];
        tampered.weight += 1;
        vm.assertTrue(
            _verdict(root, ProofDraw.Sum, 0, tampered, proof.sideNodes, proof.emptyMask) == ProofVerdict.RootMismatch
        );
    }

    function test_check_order_depthThenRootThenDraw() public view {
        TrieLeaf[] memory leaves = _randomLeaves(4, "order");
        TrieNode memory root = TrieBuilder.root(leaves);
        TrieProof memory proof = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, 0);
        TrieLeaf memory leaf = leaves[proof.leafIndex];
        uint256 undrawn = proof.end; // outside the leaf's interval (still below the root sum, or not: no matter)
        // Bad depth and a bad root and a bad draw: depth is reported.
        TrieLeaf memory tampered = TrieLeaf(leaf.key, leaf.valueHash, leaf.weight + 1);
        vm.assertTrue(
            _verdict(root, ProofDraw.Sum, undrawn, tampered, proof.sideNodes, proof.emptyMask | (1 << 255))
                == ProofVerdict.InvalidDepth
        );
        // A bad root and a bad draw: the root is reported.
        vm.assertTrue(
            _verdict(root, ProofDraw.Sum, undrawn, tampered, proof.sideNodes, proof.emptyMask)
                == ProofVerdict.RootMismatch
        );
        // Only the draw is bad.
        (ProofVerdict verdict, uint256 start, uint256 end,) =
            harness.check(root, ProofDraw.Sum, undrawn, leaf, proof.sideNodes, proof.emptyMask);
        vm.assertTrue(verdict == ProofVerdict.NotDrawn);
        vm.assertEq(start, proof.start);
        vm.assertEq(end, proof.end);
    }

    // ───────────────────────────── attacks ─────────────────────────────

    function test_verify_undrawnLeaf_revertsLeafNotDrawn() public {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(4, 2), 7);
        TrieNode memory root = TrieBuilder.root(leaves);
        // A correct membership proof of the right leaf ([5, 12)), against a draw on the left.
        TrieNode[] memory sides = new TrieNode[](1);
        sides[0] = TrieBuilder.leafNode(leaves[0]);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.LeafNotDrawn.selector, ProofDraw.Sum, 3, 5, 12));
        harness.verify(root, ProofDraw.Sum, 3, leaves[1], sides, 0);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.LeafNotDrawn.selector, ProofDraw.Count, 0, 1, 2));
        harness.verify(root, ProofDraw.Count, 0, leaves[1], sides, 0);
    }

    function test_verify_fabricatedSiblingSum_noLeafCoversDrawInIt() public {
        // Two real leaves under the left child; the right child is a node no leaf backs, with a large sum.
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(2, 2), 7);
        TrieNode memory left = TrieBuilder.subtree(leaves, 1);
        TrieNode memory fake = TrieNode(keccak256("fake"), 1_000, 1);
        TrieNode memory root = SumTrie.inner(left, fake);
        vm.assertEq(root.sum, 1_012);
        // Every draw in [12, 1012) falls in the fake subtree: each real leaf folds to the root, but is not drawn.
        for (uint256 i; i < leaves.length; ++i) {
            TrieProof memory proof =
                TrieBuilder.withTopSide(TrieBuilder.drawnProofFrom(leaves, 1, ProofDraw.Sum, i == 0 ? 0 : 5), fake);
            vm.assertTrue(
                _verdict(root, ProofDraw.Sum, 11, leaves[i], proof.sideNodes, proof.emptyMask)
                    == (i == 1 ? ProofVerdict.Valid : ProofVerdict.NotDrawn)
            );
            vm.assertTrue(
                _verdict(root, ProofDraw.Sum, 12, leaves[i], proof.sideNodes, proof.emptyMask)
                    == ProofVerdict.NotDrawn
            );
        }
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.LeafNotDrawn.selector, ProofDraw.Sum, 500, 5, 12));
        TrieProof memory last = TrieBuilder.withTopSide(TrieBuilder.drawnProofFrom(leaves, 1, ProofDraw.Sum, 5), fake);
        harness.verify(root, ProofDraw.Sum, 500, leaves[1], last.sideNodes, last.emptyMask);
    }

    function test_verify_extraSideNode_revertsRootMismatch() public {
        TrieLeaf[] memory leaves = _randomLeaves(3, "extra");
        TrieProof memory proof = TrieBuilder.proofOf(leaves, 0);
        TrieNode[] memory sides = _append(proof.sideNodes, TrieNode(keccak256("fake"), 1, 1));
        TrieNode memory root = TrieBuilder.root(leaves);
        (ProofVerdict verdict, uint256 depth, bytes32 computed,,) = harness.fold(root, leaves[0], sides, proof.emptyMask);
        vm.assertTrue(verdict == ProofVerdict.RootMismatch);
        vm.assertEq(depth, proof.depth + 1);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, computed));
        harness.verify(root, ProofDraw.Sum, proof.start, leaves[0], sides, proof.emptyMask);
    }

    function test_verify_missingSideNode_revertsRootMismatch() public {
        TrieLeaf[] memory leaves = _randomLeaves(5, "missing");
        TrieProof memory proof = TrieBuilder.proofOf(leaves, 0);
        vm.assertGt(proof.sideNodes.length, 1);
        TrieNode[] memory sides = _drop(proof.sideNodes, 0);
        TrieNode memory root = TrieBuilder.root(leaves);
        (,, bytes32 computed,,) = harness.fold(root, leaves[0], sides, proof.emptyMask);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, computed));
        harness.verify(root, ProofDraw.Sum, proof.start, leaves[0], sides, proof.emptyMask);
    }

    function test_verify_maskBitAboveDepth_revertsInvalidProofDepth() public {
        TrieLeaf[] memory leaves = _randomLeaves(3, "mask");
        TrieProof memory proof = TrieBuilder.proofOf(leaves, 0);
        // Setting bit 255 raises the depth by one, and bit 255 is above any depth below 256.
        uint256 mask = proof.emptyMask | (uint256(1) << 255);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofDepth.selector, proof.depth + 1));
        harness.verify(TrieBuilder.root(leaves), ProofDraw.Sum, proof.start, leaves[0], proof.sideNodes, mask);
    }

    function test_verify_maskFlagsPresentNode_revertsRootMismatch() public {
        TrieLeaf[] memory leaves = new TrieLeaf[](2);
        leaves[0] = _leaf(_keyWithTop(0, 1), 5);
        leaves[1] = _leaf(_keyWithTop(4, 2), 7);
        TrieNode memory root = TrieBuilder.root(leaves);
        // Claims the sibling at depth 0 is Empty: depth 1, no side nodes; the fold misses the sibling's sum.
        (ProofVerdict verdict,, bytes32 computed,,) = harness.fold(root, leaves[0], new TrieNode[](0), 1);
        vm.assertTrue(verdict == ProofVerdict.RootMismatch);
        vm.assertEq(computed, SumTrie.innerHash(TrieBuilder.leafNode(leaves[0]), TrieNode(bytes32(0), 0, 0)));
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, computed));
        harness.verify(root, ProofDraw.Sum, 0, leaves[0], new TrieNode[](0), 1);
    }

    function test_verify_depthAbove256_revertsInvalidProofDepth() public {
        TrieLeaf[] memory leaves = _randomLeaves(2, "deep");
        TrieNode[] memory sides = new TrieNode[](257);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofDepth.selector, 257));
        harness.verify(TrieBuilder.root(leaves), ProofDraw.Sum, 0, leaves[0], sides, 0);
        TrieNode[] memory oneSide = new TrieNode[](1);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.InvalidProofDepth.selector, 257));
        harness.verify(TrieBuilder.root(leaves), ProofDraw.Sum, 0, leaves[0], oneSide, type(uint256).max);
    }

    function test_verify_wrongWeight_revertsRootMismatch() public {
        TrieLeaf[] memory leaves = _randomLeaves(4, "weight");
        TrieProof memory proof = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, 12_345);
        TrieNode memory root = TrieBuilder.root(leaves);
        TrieLeaf memory leaf = leaves[proof.leafIndex];
        leaf.weight *= 2;
        (,, bytes32 computed,,) = harness.fold(root, leaf, proof.sideNodes, proof.emptyMask);
        vm.assertNotEq(computed, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, computed));
        harness.verify(root, ProofDraw.Sum, 12_345, leaf, proof.sideNodes, proof.emptyMask);
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
        harness.verify(root, ProofDraw.Sum, 0, honest, new TrieNode[](0), 0);
    }

    function test_verify_sumOverflow_revertsRootMismatch() public {
        TrieLeaf memory leaf = _leaf(_keyWithTop(0, 1), 2);
        TrieNode[] memory sides = new TrieNode[](2);
        sides[0] = TrieNode(keccak256("a"), type(uint128).max, 1);
        sides[1] = TrieNode(keccak256("b"), type(uint128).max, 1);
        TrieNode memory root = TrieNode(keccak256("root"), type(uint128).max, 3);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, bytes32(0)));
        harness.verify(root, ProofDraw.Sum, 0, leaf, sides, 0);
    }

    function test_verify_countOverflow_revertsRootMismatch() public {
        TrieLeaf memory leaf = _leaf(_keyWithTop(6, 1), 2); // goes right twice: both side nodes are left siblings
        TrieNode[] memory sides = new TrieNode[](2);
        sides[0] = TrieNode(keccak256("a"), 1, type(uint64).max);
        sides[1] = TrieNode(keccak256("b"), 1, 1);
        TrieNode memory root = TrieNode(keccak256("root"), 4, type(uint64).max);
        vm.expectRevert(abi.encodeWithSelector(IAviarySettlement.RootMismatch.selector, root.hash, bytes32(0)));
        harness.verify(root, ProofDraw.Count, 0, leaf, sides, 0);
    }

    // ───────────────────────────── fuzz ─────────────────────────────

    /// @dev The builder's weighted walk and the verifier agree: the drawn leaf verifies, by sum and by count.
    function test_fuzz_verify_drawnLeafPasses(bytes32 seed, uint8 size, uint256 r) public view {
        TrieLeaf[] memory leaves = _randomLeaves(bound(size, 1, 12), seed);
        TrieNode memory root = TrieBuilder.root(leaves);
        uint256 sumDraw = r % root.sum;
        uint256 countDraw = uint256(keccak256(abi.encode(r))) % root.count;
        TrieProof memory bySum = _verifyDrawn(leaves, ProofDraw.Sum, sumDraw);
        vm.assertLe(bySum.start, sumDraw);
        vm.assertGt(bySum.end, sumDraw);
        vm.assertEq(bySum.end - bySum.start, leaves[bySum.leafIndex].weight);
        _verifyDrawn(leaves, ProofDraw.Count, countDraw);
    }

    /// @dev Exactly one leaf is drawn: every other leaf's (valid) membership proof is NotDrawn.
    function test_fuzz_verify_otherLeavesAreNotDrawn(bytes32 seed, uint8 size, uint256 r) public view {
        TrieLeaf[] memory leaves = _randomLeaves(bound(size, 2, 10), seed);
        TrieNode memory root = TrieBuilder.root(leaves);
        uint256 sumDraw = r % root.sum;
        uint256 countDraw = (r >> 128) % root.count;
        uint256 drawnBySum = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, sumDraw).leafIndex;
        uint256 drawnByCount = TrieBuilder.drawnProof(leaves, ProofDraw.Count, countDraw).leafIndex;
        for (uint256 i; i < leaves.length; ++i) {
            TrieProof memory membership = TrieBuilder.proofOf(leaves, i);
            ProofVerdict bySum = _verdict(root, ProofDraw.Sum, sumDraw, leaves[i], membership.sideNodes, membership.emptyMask);
            ProofVerdict byCount =
                _verdict(root, ProofDraw.Count, countDraw, leaves[i], membership.sideNodes, membership.emptyMask);
            vm.assertTrue(bySum == (i == drawnBySum ? ProofVerdict.Valid : ProofVerdict.NotDrawn));
            vm.assertTrue(byCount == (i == drawnByCount ? ProofVerdict.Valid : ProofVerdict.NotDrawn));
        }
    }

    /// @dev The leaves' sum intervals tile [0, S) in key order, and their count positions are 0..N-1.
    function test_fuzz_verify_intervalsTileTheRoot(bytes32 seed, uint8 size) public pure {
        TrieLeaf[] memory leaves = _randomLeaves(bound(size, 1, 10), seed);
        TrieNode memory root = TrieBuilder.root(leaves);
        uint256 covered;
        uint256 position;
        while (covered < root.sum) {
            TrieProof memory proof = TrieBuilder.drawnProof(leaves, ProofDraw.Sum, covered);
            vm.assertEq(proof.start, covered);
            TrieProof memory byCount = TrieBuilder.drawnProof(leaves, ProofDraw.Count, position);
            vm.assertEq(byCount.leafIndex, proof.leafIndex);
            covered = proof.end;
            ++position;
        }
        vm.assertEq(covered, root.sum);
        vm.assertEq(position, root.count);
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
