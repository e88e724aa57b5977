// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAviarySettlement} from "../interfaces/IAviarySettlement.sol";
import {ProofDraw, ProofVerdict, TrieNode} from "../types/AviaryTypes.sol";

/// @title The sparse Merkle sum trie (protocol.md §6): node hashing and weighted-proof verification.
/// @notice Nodes are (hash, sum, count); Empty is (0, 0, 0). Path bits are the key's bits, most significant first
///         (bit 255 of uint256(key) at depth 0), 0 = left.
library SumTrie {
    uint256 internal constant MAX_DEPTH = 256;

    /// @notice keccak256(0x00 ‖ key ‖ valueHash ‖ uint128 weight).
    function leafHash(bytes32 key, bytes32 valueHash, uint128 weight) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x00), key, valueHash, weight));
    }

    function leaf(bytes32 key, bytes32 valueHash, uint128 weight) internal pure returns (TrieNode memory) {
        return TrieNode({hash: leafHash(key, valueHash, weight), sum: weight, count: 1});
    }

    /// @notice keccak256(0x01 ‖ L.hash ‖ uint128 L.sum ‖ uint64 L.count ‖ R.hash ‖ uint128 R.sum ‖ uint64 R.count).
    function innerHash(TrieNode memory left, TrieNode memory right) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encodePacked(bytes1(0x01), left.hash, left.sum, left.count, right.hash, right.sum, right.count)
            );
    }

    /// @notice The parent of two nodes; sums and counts add (reverts on overflow).
    function inner(TrieNode memory left, TrieNode memory right) internal pure returns (TrieNode memory) {
        return TrieNode({hash: innerHash(left, right), sum: left.sum + right.sum, count: left.count + right.count});
    }

    function isEmpty(TrieNode memory node) internal pure returns (bool) {
        return node.hash == bytes32(0) && node.sum == 0 && node.count == 0;
    }

    /// @notice Bit `depth` of a path (0 = most significant): 0 = left, 1 = right.
    function bitAt(bytes32 path, uint256 depth) internal pure returns (uint256) {
        return (uint256(path) >> (255 - depth)) & 1;
    }

    /// @notice Depth of a proof: sideNodes.length + popcount(emptyMask).
    function depthOf(uint256 sideNodeCount, uint256 emptyMask) internal pure returns (uint256 depth) {
        depth = sideNodeCount;
        while (emptyMask != 0) {
            emptyMask &= emptyMask - 1;
            ++depth;
        }
    }

    /// @notice Folds the leaf (key, valueHash, weight) with its side nodes and compares the result with `root`.
    /// @param sideNodes the side nodes not flagged Empty by `emptyMask`, root to leaf.
    /// @param emptyMask bit i set: the side node at depth i is Empty and absent from `sideNodes`.
    /// @return verdict Valid, InvalidDepth or RootMismatch (a sum or count that overflows uint128 / uint64 on the
    ///         way up is a root mismatch).
    /// @return depth the proof's depth.
    /// @return computedHash the folded root hash (zero when the check stopped before the fold finished).
    /// @return prefixSum the sum of the left side nodes on the path: the leaf's interval by sum starts there.
    /// @return prefixCount the count of the left side nodes on the path: the leaf's position by count.
    function fold(
        TrieNode memory root,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    )
        internal
        pure
        returns (ProofVerdict verdict, uint256 depth, bytes32 computedHash, uint256 prefixSum, uint256 prefixCount)
    {
        depth = depthOf(sideNodes.length, emptyMask);
        if (depth > MAX_DEPTH || (emptyMask >> depth) != 0) return (ProofVerdict.InvalidDepth, depth, 0, 0, 0);

        TrieNode memory node = leaf(key, valueHash, weight);
        uint256 next = sideNodes.length;
        for (uint256 level = depth; level > 0;) {
            unchecked {
                --level;
            }
            uint256 keyBit = bitAt(key, level);
            if ((emptyMask >> level) & 1 == 1) {
                _combine(node, keyBit, bytes32(0), 0, 0);
                continue;
            }
            unchecked {
                --next;
            }
            TrieNode calldata side = sideNodes[next];
            if (!_combine(node, keyBit, side.hash, side.sum, side.count)) {
                return (ProofVerdict.RootMismatch, depth, 0, 0, 0);
            }
            if (keyBit == 1) {
                // Cannot overflow: every side sum and count was added into node without overflowing.
                unchecked {
                    prefixSum += side.sum;
                    prefixCount += side.count;
                }
            }
        }
        if (node.hash != root.hash || node.sum != root.sum || node.count != root.count) {
            return (ProofVerdict.RootMismatch, depth, node.hash, 0, 0);
        }
        return (ProofVerdict.Valid, depth, node.hash, prefixSum, prefixCount);
    }

    /// @notice Whether the leaf is the one `drawn` selects under `root` (protocol.md §6): its fold gives the root,
    ///         and by sum prefixSum <= drawn < prefixSum + weight, by count prefixCount == drawn.
    /// @return verdict the first failed check: depth, root, then the draw.
    /// @return start the leaf's interval [start, end) of cumulative weights (zero unless the fold matched).
    /// @return end see start.
    /// @return computedHash the folded root hash.
    function check(
        TrieNode memory root,
        ProofDraw by,
        uint256 drawn,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) internal pure returns (ProofVerdict verdict, uint256 start, uint256 end, bytes32 computedHash) {
        uint256 prefixSum;
        uint256 prefixCount;
        (verdict,, computedHash, prefixSum, prefixCount) = fold(root, key, valueHash, weight, sideNodes, emptyMask);
        if (verdict != ProofVerdict.Valid) return (verdict, 0, 0, computedHash);
        (start, end) = by == ProofDraw.Sum ? (prefixSum, prefixSum + weight) : (prefixCount, prefixCount + 1);
        if (drawn < start || drawn >= end) verdict = ProofVerdict.NotDrawn;
    }

    /// @notice `check`, reverting with InvalidProofDepth / RootMismatch / LeafNotDrawn.
    function verify(
        TrieNode memory root,
        ProofDraw by,
        uint256 drawn,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) internal pure {
        (ProofVerdict verdict, uint256 start, uint256 end, bytes32 computedHash) =
            check(root, by, drawn, key, valueHash, weight, sideNodes, emptyMask);
        if (verdict == ProofVerdict.InvalidDepth) {
            revert IAviarySettlement.InvalidProofDepth(depthOf(sideNodes.length, emptyMask));
        }
        if (verdict == ProofVerdict.RootMismatch) revert IAviarySettlement.RootMismatch(root.hash, computedHash);
        if (verdict == ProofVerdict.NotDrawn) revert IAviarySettlement.LeafNotDrawn(by, drawn, start, end);
    }

    /// @dev Replaces `node` by its parent; `keyBit` 0: node is the left child. False if a sum or count overflows.
    function _combine(TrieNode memory node, uint256 keyBit, bytes32 sideHash, uint128 sideSum, uint64 sideCount)
        private
        pure
        returns (bool)
    {
        if (sideSum > type(uint128).max - node.sum || sideCount > type(uint64).max - node.count) return false;
        node.hash = keyBit == 0
            ? keccak256(abi.encodePacked(bytes1(0x01), node.hash, node.sum, node.count, sideHash, sideSum, sideCount))
            : keccak256(abi.encodePacked(bytes1(0x01), sideHash, sideSum, sideCount, node.hash, node.sum, node.count));
        node.sum += sideSum;
        node.count += sideCount;
        return true;
    }
}
