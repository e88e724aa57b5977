// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TrieNode} from "../../src/types/AviaryTypes.sol";
import {SumTrie} from "../../src/libraries/SumTrie.sol";

/// @notice A leaf as the trie stores it.
struct TrieLeaf {
    bytes32 key;
    bytes32 valueHash;
    uint128 weight;
}

/// @notice A closest proof as prove() takes it.
struct TrieProof {
    uint256 leafIndex; // index into the leaves given to the builder
    TrieNode[] sideNodes; // non-empty side nodes, root to leaf
    uint256 emptyMask;
    uint256 depth;
}

/// @dev Builds small canonical sum tries (protocol.md §6) and their closest proofs, for tests. Quadratic; keys distinct.
library TrieBuilder {
    function root(TrieLeaf[] memory leaves) internal pure returns (TrieNode memory) {
        return _build(_indices(leaves.length), leaves, 0);
    }

    /// @notice The closest-leaf proof for `target`, walking from the root as protocol.md §6 describes.
    function closestProof(TrieLeaf[] memory leaves, bytes32 target) internal pure returns (TrieProof memory proof) {
        require(leaves.length > 0, "TrieBuilder: no leaves");
        uint256[] memory current = _indices(leaves.length);
        TrieNode[] memory sides = new TrieNode[](256);
        uint256 count;
        uint256 depth;
        while (current.length > 1) {
            (uint256[] memory left, uint256[] memory right) = _split(current, leaves, depth);
            bool goRight = SumTrie.bitAt(target, depth) == 1;
            if (goRight && right.length == 0) goRight = false;
            else if (!goRight && left.length == 0) goRight = true;
            uint256[] memory other = goRight ? left : right;
            if (other.length == 0) proof.emptyMask |= uint256(1) << depth;
            else sides[count++] = _build(other, leaves, depth + 1);
            current = goRight ? right : left;
            ++depth;
        }
        proof.leafIndex = current[0];
        proof.depth = depth;
        proof.sideNodes = new TrieNode[](count);
        for (uint256 i; i < count; ++i) {
            proof.sideNodes[i] = sides[i];
        }
    }

    function leafNode(TrieLeaf memory item) internal pure returns (TrieNode memory) {
        return SumTrie.leaf(item.key, item.valueHash, item.weight);
    }

    /// @dev Recursive over branching levels only; a chain of one-sided levels (shared key prefixes) is a loop.
    function _build(uint256[] memory subset, TrieLeaf[] memory leaves, uint256 depth)
        private
        pure
        returns (TrieNode memory node)
    {
        if (subset.length == 0) return TrieNode(bytes32(0), 0, 0);
        if (subset.length == 1) return leafNode(leaves[subset[0]]);
        uint256 top = depth;
        uint256 rightTurns; // bit d set: the chain went right at depth d
        uint256[] memory left;
        uint256[] memory right;
        while (true) {
            require(depth < 256, "TrieBuilder: duplicate key");
            (left, right) = _split(subset, leaves, depth);
            if (left.length != 0 && right.length != 0) break;
            if (left.length == 0) {
                rightTurns |= uint256(1) << depth;
                subset = right;
            } else {
                subset = left;
            }
            ++depth;
        }
        node = SumTrie.inner(_build(left, leaves, depth + 1), _build(right, leaves, depth + 1));
        TrieNode memory empty = TrieNode(bytes32(0), 0, 0);
        while (depth > top) {
            --depth;
            node = (rightTurns >> depth) & 1 == 1 ? SumTrie.inner(empty, node) : SumTrie.inner(node, empty);
        }
    }

    function _split(uint256[] memory subset, TrieLeaf[] memory leaves, uint256 depth)
        private
        pure
        returns (uint256[] memory left, uint256[] memory right)
    {
        uint256 rightCount;
        for (uint256 i; i < subset.length; ++i) {
            rightCount += SumTrie.bitAt(leaves[subset[i]].key, depth);
        }
        left = new uint256[](subset.length - rightCount);
        right = new uint256[](rightCount);
        uint256 l;
        uint256 r;
        for (uint256 i; i < subset.length; ++i) {
            if (SumTrie.bitAt(leaves[subset[i]].key, depth) == 1) right[r++] = subset[i];
            else left[l++] = subset[i];
        }
    }

    function _indices(uint256 n) private pure returns (uint256[] memory indices) {
        indices = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            indices[i] = i;
        }
    }
}
