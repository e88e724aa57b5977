// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {AviaryToken} from "../src/AviaryToken.sol";

contract AviaryTokenTest is Test {
    AviaryToken internal token;

    function setUp() public {
        token = new AviaryToken(address(this));
    }

    function test_mint_byOwner_credits() public {
        token.mint(address(0xBEEF), 5);
        vm.assertEq(token.balanceOf(address(0xBEEF)), 5);
    }

    function test_mint_byStranger_reverts() public {
        vm.prank(address(0xBAD));
        vm.expectRevert();
        token.mint(address(0xBAD), 5);
    }

    function test_fuzz_mint_totalSupplyTracks(uint96 a, uint96 b) public {
        token.mint(address(1), a);
        token.mint(address(2), b);
        vm.assertEq(token.totalSupply(), uint256(a) + uint256(b));
    }
}
