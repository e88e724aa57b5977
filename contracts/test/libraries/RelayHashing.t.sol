// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {RelayHashing} from "../../src/libraries/RelayHashing.sol";
import {RelayReceipt, RelayRequest} from "../../src/types/AviaryTypes.sol";

contract RelayHashingTest is Test {
    // Known answers computed independently with viem (hashStruct / encodeAbiParameters) for the values below.
    bytes32 internal constant REQUEST_HASH = 0x218e8ff24a9ecbbf20e136b57175edf6e455829b8b192ac30e019e945658b9fc;
    bytes32 internal constant RECEIPT_HASH = 0x086b19e2f330eea0221bed17748015f2ef5b36b747f40126cc27cd8a16a7e738;
    bytes32 internal constant VALUE_HASH = 0x37939b4cb6f564ce7c86365e2dbd9ecde50c55780684ed7b5421f331b168d6ff;

    function _request() internal pure returns (RelayRequest memory) {
        return RelayRequest({
            application: 0x1111111111111111111111111111111111111111,
            supplier: 0x2222222222222222222222222222222222222222,
            model: keccak256("llama"),
            session: 7,
            nonce: 42,
            bodyHash: keccak256("body"),
            inputPrice: 3,
            outputPrice: 5,
            maxCost: 1000
        });
    }

    function _receipt() internal pure returns (RelayReceipt memory) {
        return
            RelayReceipt({
                request: REQUEST_HASH, responseHash: keccak256("response"), inputUnits: 100, outputUnits: 120
            });
    }

    function _repeat(bytes1 b, uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            out[i] = b;
        }
    }

    function test_typeHashes_matchTypeStrings() public pure {
        vm.assertEq(
            RelayHashing.RELAY_REQUEST_TYPEHASH,
            keccak256(
                "RelayRequest(address application,address supplier,bytes32 model,uint64 session,uint64 nonce,bytes32 bodyHash,uint128 inputPrice,uint128 outputPrice,uint128 maxCost)"
            )
        );
        vm.assertEq(
            RelayHashing.RELAY_RECEIPT_TYPEHASH,
            keccak256("RelayReceipt(bytes32 request,bytes32 responseHash,uint64 inputUnits,uint64 outputUnits)")
        );
    }

    function test_hashRequest_matchesViemVector() public pure {
        vm.assertEq(RelayHashing.hashRequest(_request()), REQUEST_HASH);
    }

    function test_hashReceipt_matchesViemVector() public pure {
        vm.assertEq(RelayHashing.hashReceipt(_receipt()), RECEIPT_HASH);
    }

    function test_valueHash_matchesViemVector() public pure {
        bytes32 value = RelayHashing.valueHash(_request(), _repeat(0xab, 65), _receipt(), _repeat(0xcd, 65));
        vm.assertEq(value, VALUE_HASH);
    }

    function test_cost_addsBothTerms() public pure {
        vm.assertEq(RelayHashing.cost(_request(), _receipt()), 100 * 3 + 120 * 5);
    }

    function test_fuzz_cost_neverOverflows(
        uint64 inputUnits,
        uint64 outputUnits,
        uint128 inputPrice,
        uint128 outputPrice
    ) public pure {
        RelayRequest memory request = _request();
        request.inputPrice = inputPrice;
        request.outputPrice = outputPrice;
        RelayReceipt memory receipt = _receipt();
        receipt.inputUnits = inputUnits;
        receipt.outputUnits = outputUnits;
        uint256 expected = uint256(inputUnits) * inputPrice + uint256(outputUnits) * outputPrice;
        vm.assertEq(RelayHashing.cost(request, receipt), expected);
    }

    function test_fuzz_hashRequest_changesWithEveryField(uint8 field, uint64 delta) public pure {
        vm.assume(delta != 0);
        RelayRequest memory request = _request();
        field = uint8(bound(field, 0, 8));
        if (field == 0) request.application = address(uint160(request.application) ^ delta);
        if (field == 1) request.supplier = address(uint160(request.supplier) ^ delta);
        if (field == 2) request.model = bytes32(uint256(request.model) ^ delta);
        if (field == 3) request.session ^= delta;
        if (field == 4) request.nonce ^= delta;
        if (field == 5) request.bodyHash = bytes32(uint256(request.bodyHash) ^ delta);
        if (field == 6) request.inputPrice ^= delta;
        if (field == 7) request.outputPrice ^= delta;
        if (field == 8) request.maxCost ^= delta;
        vm.assertNotEq(RelayHashing.hashRequest(request), REQUEST_HASH);
    }
}
