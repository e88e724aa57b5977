// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Session windows (protocol.md §3), shared by the registry and settlement.
/// @notice Session s spans blocks [s*L, (s+1)*L - 1]; E = (s+1)*L - 1 is its last block, g/c/pf are the grace,
///         claim and proof blocks. Serving ends when the supplier's head reaches E + g. Mining seed block
///         M = E + g + 1; claim window [M + 1, M + c]; proof seed block B = M + c; proof window [B + 1, B + pf];
///         settlement from B + pf + 1 on. D = g + 1 + c + pf.
library SessionWindows {
    /// @notice floor(D / L) + 2: the sessions whose claims can be unsettled at once, so one stake budgets for them.
    function pendingSessions(uint256 sessionBlocks, uint256 graceBlocks, uint256 claimBlocks, uint256 proofBlocks)
        internal
        pure
        returns (uint256)
    {
        return (graceBlocks + 1 + claimBlocks + proofBlocks) / sessionBlocks + 2;
    }

    /// @notice The mining seed block M = (s + 1) * L - 1 + g + 1 of `session`.
    function miningSeedBlock(uint64 session, uint256 sessionBlocks, uint256 graceBlocks)
        internal
        pure
        returns (uint256)
    {
        return (uint256(session) + 1) * sessionBlocks + graceBlocks;
    }
}
