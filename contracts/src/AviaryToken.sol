// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title The local network's ERC-20. Production deployments point the registry at any existing ERC-20.
/// @notice The owner mints (the devnet funds its accounts with it).
contract AviaryToken is ERC20, Ownable {
    constructor(address owner) ERC20("Aviary Devnet Token", "AVY") Ownable(owner) {}

    /// @notice Mints `amount` to `to`. Only the owner.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
