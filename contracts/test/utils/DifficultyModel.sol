// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev The difficulty fold of IAviarySettlement's NatSpec, written out again from the spec (not from the contract),
///      so tests can predict every probability the contract pushes.
library DifficultyModel {
    uint256 internal constant WAD = 1e18;

    struct State {
        bool initialized;
        uint256 emaWad;
        uint256 current; // p_cur: the latest pushed probability (or the initial one)
        uint64 lastFoldedSession;
    }

    /// @notice Folds `count` leaves of `dataSession`, mined under `dataProbability`; returns the new state.
    function fold(
        State memory state,
        uint256 target,
        uint256 alphaWad,
        uint64 dataSession,
        uint256 count,
        uint256 dataProbability
    ) internal pure returns (State memory next) {
        uint256 current = state.current;
        uint256 prior = state.emaWad;
        if (state.initialized) {
            uint256 idle = dataSession - state.lastFoldedSession - 1;
            if (idle != 0) {
                if (idle > 64) idle = 64;
                current = current << idle;
                if (current > WAD) current = WAD;
                uint256 fresh = target * 1e36 / current; // what a new model at the recovered p would start from
                prior = prior >> idle > fresh ? prior >> idle : fresh;
            }
        }
        if (prior == 0) prior = target * 1e36 / current;
        uint256 estimate = clamp(count * 1e36 / dataProbability, prior / 2, prior * 2);
        uint256 ema = (alphaWad * estimate + (WAD - alphaWad) * prior) / WAD;
        uint256 probability = ema == 0 ? WAD : target * 1e36 / ema;
        probability = clamp(clamp(probability, current / 2, current * 2), 1, WAD);
        next = State({initialized: true, emaWad: ema, current: probability, lastFoldedSession: dataSession});
    }

    function clamp(uint256 value, uint256 low, uint256 high) internal pure returns (uint256) {
        if (value < low) return low;
        if (value > high) return high;
        return value;
    }
}
