// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAviarySettlement} from "../interfaces/IAviarySettlement.sol";
import {TrieNode} from "../types/AviaryTypes.sol";

/// @title The sparse Merkle sum trie (protocol.md §6): node hashing and closest-proof verification.
/// @notice Nodes are (hash, sum, count); Empty is (0, 0, 0). Path bits are the key's bits, most significant first
///         (bit 255 of uint256(key) at depth 0), 0 = left.
library SumTrie {
    /// @notice Outcome of a closest-proof check, in the order the checks apply.
    enum Verdict {
        Valid,
        InvalidDepth, // detail: the depth
        NotClosest, // detail: the deepest depth whose side node should be Empty
        RootMismatch // detail: the proof's depth
    }

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

    /// @notice Checks that the leaf (key, valueHash, weight) is the closest leaf to `target` under `root`.
    /// @param sideNodes the side nodes not flagged Empty by `emptyMask`, root to leaf. A side node counts as Empty
    ///        when flagged in the mask or when it equals (0, 0, 0).
    /// @param emptyMask bit i set: the side node at depth i is Empty and absent from `sideNodes`.
    /// @return verdict Valid, or the first failed check: depth, then closeness (deepest offending depth), then root
    ///         (a sum or count that overflows uint128 / uint64 on the way up is a root mismatch).
    /// @return detail see Verdict.
    /// @return computedHash the folded root hash (zero when the check stopped before the fold finished).
    function check(
        TrieNode memory root,
        bytes32 target,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) internal pure returns (Verdict verdict, uint256 detail, bytes32 computedHash) {
        uint256 depth = depthOf(sideNodes.length, emptyMask);
        if (depth > MAX_DEPTH || (emptyMask >> depth) != 0) return (Verdict.InvalidDepth, depth, bytes32(0));
        (bool diverged, uint256 level) = _nonEmptyWhereDiverging(key, target, sideNodes, emptyMask, depth);
        if (diverged) return (Verdict.NotClosest, level, bytes32(0));

        TrieNode memory node = leaf(key, valueHash, weight);
        if (!_fold(node, key, sideNodes, emptyMask, depth)) return (Verdict.RootMismatch, depth, bytes32(0));
        if (node.hash != root.hash || node.sum != root.sum || node.count != root.count) {
            return (Verdict.RootMismatch, depth, node.hash);
        }
        return (Verdict.Valid, depth, node.hash);
    }

    /// @notice `check`, reverting with InvalidProofDepth / NotClosestLeaf / RootMismatch; returns the proof's depth.
    function verify(
        TrieNode memory root,
        bytes32 target,
        bytes32 key,
        bytes32 valueHash,
        uint128 weight,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask
    ) internal pure returns (uint256 depth) {
        (Verdict verdict, uint256 detail, bytes32 computedHash) =
            check(root, target, key, valueHash, weight, sideNodes, emptyMask);
        if (verdict == Verdict.InvalidDepth) revert IAviarySettlement.InvalidProofDepth(detail);
        if (verdict == Verdict.NotClosest) revert IAviarySettlement.NotClosestLeaf(detail);
        if (verdict == Verdict.RootMismatch) revert IAviarySettlement.RootMismatch(root.hash, computedHash);
        return detail;
    }

    /// @dev The deepest depth below `depth` where key and target go different ways and the side node is not Empty.
    function _nonEmptyWhereDiverging(
        bytes32 key,
        bytes32 target,
        TrieNode[] calldata sideNodes,
        uint256 emptyMask,
        uint256 depth
    ) private pure returns (bool found, uint256 level) {
        bytes32 diverging = key ^ target;
        uint256 next = sideNodes.length;
        for (level = depth; level > 0;) {
            unchecked {
                --level;
            }
            if ((emptyMask >> level) & 1 == 1) continue;
            unchecked {
                --next;
            }
            if (bitAt(diverging, level) == 1) {
                TrieNode calldata side = sideNodes[next];
                if (side.hash != bytes32(0) || side.sum != 0 || side.count != 0) return (true, level);
            }
        }
        return (false, 0);
    }

    /// @dev Folds `node` (the leaf) up to the root in place; false if a sum or count overflows.
    function _fold(TrieNode memory node, bytes32 key, TrieNode[] calldata sideNodes, uint256 emptyMask, uint256 depth)
        private
        pure
        returns (bool)
    {
        uint256 next = sideNodes.length;
        while (depth > 0) {
            unchecked {
                --depth;
            }
            uint256 keyBit = bitAt(key, depth);
            if ((emptyMask >> depth) & 1 == 1) {
                _combine(node, keyBit, bytes32(0), 0, 0);
            } else {
                unchecked {
                    --next;
                }
                TrieNode calldata side = sideNodes[next];
                if (!_combine(node, keyBit, side.hash, side.sum, side.count)) return false;
            }
        }
        return true;
    }

    /// @dev Replaces `node` by its parent; `keyBit` 0: node is the left child.
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
