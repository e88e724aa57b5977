// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ProofDraw, TrieNode} from "../../src/types/AviaryTypes.sol";
import {SumTrie} from "../../src/libraries/SumTrie.sol";

/// @notice A leaf as the trie stores it.
struct TrieLeaf {
    bytes32 key;
    bytes32 valueHash;
    uint128 weight;
}

/// @notice A proof of one leaf as prove() takes it (with the leaf's value beside it).
struct TrieProof {
    uint256 leafIndex; // index into the leaves given to the builder
    TrieNode[] sideNodes; // non-empty side nodes, root to leaf
    uint256 emptyMask;
    uint256 depth;
    uint256 start; // the leaf's interval [start, end) of cumulative weights (by the draw's weight)
    uint256 end;
}

/// @dev Builds small canonical sum tries (protocol.md §6) and their proofs, for tests. Quadratic; keys distinct.
library TrieBuilder {
    function root(TrieLeaf[] memory leaves) internal pure returns (TrieNode memory) {
        return _build(_indices(leaves.length), leaves, 0);
    }

    /// @notice The node at `depth` holding all of `leaves`, which must share their first `depth` key bits (the
    ///         subtree an attacker can hang next to fabricated siblings).
    function subtree(TrieLeaf[] memory leaves, uint256 depth) internal pure returns (TrieNode memory) {
        return _build(_indices(leaves.length), leaves, depth);
    }

    /// @notice The proof of the leaf that `drawn` selects, walking from the root as protocol.md §6 says: at each
    ///         inner node with children (L, R), go left if drawn < L.weight, else drawn -= L.weight and go right.
    /// @param drawn must be below the root's sum (by Sum) or count (by Count).
    function drawnProof(TrieLeaf[] memory leaves, ProofDraw by, uint256 drawn)
        internal
        pure
        returns (TrieProof memory)
    {
        return drawnProofFrom(leaves, 0, by, drawn);
    }

    /// @dev The walk of drawnProofFrom (a struct for the stack).
    struct Walk {
        uint256[] current;
        TrieNode[] sides;
        uint256 count;
        uint256 depth;
        uint256 offset; // cumulative weight left of the current subtree
    }

    /// @notice drawnProof inside the subtree at `depth` (see subtree); side nodes and mask bits start at `depth`.
    function drawnProofFrom(TrieLeaf[] memory leaves, uint256 depth, ProofDraw by, uint256 drawn)
        internal
        pure
        returns (TrieProof memory proof)
    {
        require(leaves.length > 0, "TrieBuilder: no leaves");
        Walk memory walk = Walk(_indices(leaves.length), new TrieNode[](256), 0, depth, 0);
        while (walk.current.length > 1) {
            proof.emptyMask |= _step(walk, leaves, by, drawn);
        }
        uint256 leafIndex = walk.current[0];
        proof.leafIndex = leafIndex;
        proof.depth = walk.depth;
        proof.start = walk.offset;
        proof.end = walk.offset + (by == ProofDraw.Sum ? leaves[leafIndex].weight : 1);
        require(drawn >= proof.start && drawn < proof.end, "TrieBuilder: draw beyond the trie");
        proof.sideNodes = new TrieNode[](walk.count);
        for (uint256 i; i < walk.count; ++i) {
            proof.sideNodes[i] = walk.sides[i];
        }
    }

    /// @dev One level of the weighted walk; returns the empty-mask bit of this level (or zero).
    function _step(Walk memory walk, TrieLeaf[] memory leaves, ProofDraw by, uint256 drawn)
        private
        pure
        returns (uint256 maskBit)
    {
        (uint256[] memory left, uint256[] memory right) = _split(walk.current, leaves, walk.depth);
        TrieNode memory leftNode = _build(left, leaves, walk.depth + 1);
        uint256 leftWeight = _weight(leftNode, by);
        bool goRight = drawn >= walk.offset + leftWeight;
        if (goRight) walk.offset += leftWeight;
        uint256[] memory other = goRight ? left : right;
        if (other.length == 0) maskBit = uint256(1) << walk.depth;
        else walk.sides[walk.count++] = goRight ? leftNode : _build(right, leaves, walk.depth + 1);
        walk.current = goRight ? right : left;
        ++walk.depth;
    }

    /// @notice The proof of `leaves[index]` following its own key (a valid fold, whatever the draw); start and end
    ///         are its interval by sum.
    function proofOf(TrieLeaf[] memory leaves, uint256 index) internal pure returns (TrieProof memory proof) {
        bytes32 key = leaves[index].key;
        uint256[] memory current = _indices(leaves.length);
        TrieNode[] memory sides = new TrieNode[](256);
        uint256 count;
        uint256 depth;
        uint256 offset;
        while (current.length > 1) {
            (uint256[] memory left, uint256[] memory right) = _split(current, leaves, depth);
            bool goRight = SumTrie.bitAt(key, depth) == 1;
            uint256[] memory other = goRight ? left : right;
            if (other.length == 0) {
                proof.emptyMask |= uint256(1) << depth;
            } else {
                TrieNode memory side = _build(other, leaves, depth + 1);
                if (goRight) offset += side.sum;
                sides[count++] = side;
            }
            current = goRight ? right : left;
            ++depth;
        }
        require(current[0] == index, "TrieBuilder: duplicate key");
        proof.leafIndex = index;
        proof.depth = depth;
        proof.start = offset;
        proof.end = offset + leaves[index].weight;
        proof.sideNodes = new TrieNode[](count);
        for (uint256 i; i < count; ++i) {
            proof.sideNodes[i] = sides[i];
        }
    }

    /// @notice `proof` with `extra` prepended as the side node at depth 0 (for a leaf whose subtree was hung
    ///         below a root next to `extra`; the proof must have been built from depth 1).
    function withTopSide(TrieProof memory proof, TrieNode memory extra) internal pure returns (TrieProof memory out) {
        out.leafIndex = proof.leafIndex;
        out.depth = proof.depth;
        out.emptyMask = proof.emptyMask;
        out.start = proof.start;
        out.end = proof.end;
        out.sideNodes = new TrieNode[](proof.sideNodes.length + 1);
        out.sideNodes[0] = extra;
        for (uint256 i; i < proof.sideNodes.length; ++i) {
            out.sideNodes[i + 1] = proof.sideNodes[i];
        }
    }

    function leafNode(TrieLeaf memory item) internal pure returns (TrieNode memory) {
        return SumTrie.leaf(item.key, item.valueHash, item.weight);
    }

    function _weight(TrieNode memory node, ProofDraw by) private pure returns (uint256) {
        return by == ProofDraw.Sum ? node.sum : node.count;
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
