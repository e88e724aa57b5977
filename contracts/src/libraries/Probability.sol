// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Hash-below-probability draws: relay mining, proof requirement and proof draws (protocol.md §5, §7).
/// @notice Probabilities are wad (1e18 = 1). A hash h is below w iff w >= 1e18 or uint256(h) < w * floor((2**256-1)/1e18).
library Probability {
    uint256 internal constant WAD = 1e18;
    /// @dev floor((2**256 - 1) / 1e18): the hash range of a probability of 1e-18.
    uint256 internal constant HASHES_PER_WAD = type(uint256).max / WAD;

    function below(bytes32 hash, uint256 probabilityWad) internal pure returns (bool) {
        if (probabilityWad >= WAD) return true;
        return uint256(hash) < probabilityWad * HASHES_PER_WAD;
    }

    /// @notice A relay is mined iff keccak256(abi.encode(relayKey, miningSeed)) is below the session's probability.
    function isMined(bytes32 relayKey, bytes32 miningSeed, uint256 probabilityWad) internal pure returns (bool) {
        return below(keccak256(abi.encode(relayKey, miningSeed)), probabilityWad);
    }

    /// @notice A claim needs a proof iff its amount reaches the threshold, the proof seed was never stored (zero),
    ///         or keccak256(abi.encode(proofSeed, claimKey, uint256(0))) is below the proof probability.
    function isProofRequired(
        uint256 amount,
        uint256 proofThreshold,
        bytes32 proofSeed,
        bytes32 claimKey,
        uint256 proofProbabilityWad
    ) internal pure returns (bool) {
        if (amount >= proofThreshold || proofSeed == bytes32(0)) return true;
        return below(keccak256(abi.encode(proofSeed, claimKey, uint256(0))), proofProbabilityWad);
    }

    /// @notice The claim's draws: by sum uint256(keccak256(abi.encode(proofSeed, claimKey, uint256(1)))) % rootSum,
    ///         by count uint256(keccak256(abi.encode(proofSeed, claimKey, uint256(2)))) % rootCount (both >= 1).
    function proofDraws(bytes32 proofSeed, bytes32 claimKey, uint256 rootSum, uint256 rootCount)
        internal
        pure
        returns (uint256 sumDraw, uint256 countDraw)
    {
        sumDraw = uint256(keccak256(abi.encode(proofSeed, claimKey, uint256(1)))) % rootSum;
        countDraw = uint256(keccak256(abi.encode(proofSeed, claimKey, uint256(2)))) % rootCount;
    }
}
