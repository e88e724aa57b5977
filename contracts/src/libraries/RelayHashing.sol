// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RelayReceipt, RelayRequest} from "../types/AviaryTypes.sol";

/// @title EIP-712 struct hashes, the leaf value hash and the cost of a relay (protocol.md §4, §6).
/// @notice Struct hashes only; the contract turns them into digests with its EIP-712 domain.
library RelayHashing {
    bytes32 internal constant RELAY_REQUEST_TYPEHASH = keccak256(
        "RelayRequest(address application,address supplier,bytes32 model,uint64 session,uint64 nonce,bytes32 bodyHash,uint128 inputPrice,uint128 outputPrice,uint128 maxCost)"
    );
    bytes32 internal constant RELAY_RECEIPT_TYPEHASH =
        keccak256("RelayReceipt(bytes32 request,bytes32 responseHash,uint64 inputUnits,uint64 outputUnits)");

    /// @notice EIP-712 hashStruct(request). Every field is atomic, so abi.encode of the struct is its encodeData.
    function hashRequest(RelayRequest memory request) internal pure returns (bytes32) {
        return keccak256(abi.encode(RELAY_REQUEST_TYPEHASH, request));
    }

    /// @notice EIP-712 hashStruct(receipt).
    function hashReceipt(RelayReceipt memory receipt) internal pure returns (bytes32) {
        return keccak256(abi.encode(RELAY_RECEIPT_TYPEHASH, receipt));
    }

    /// @notice The hash a trie leaf commits to: keccak256(abi.encode(request, requestSignature, receipt, receiptSignature)).
    function valueHash(
        RelayRequest memory request,
        bytes memory requestSignature,
        RelayReceipt memory receipt,
        bytes memory receiptSignature
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(request, requestSignature, receipt, receiptSignature));
    }

    /// @notice inputUnits * inputPrice + outputUnits * outputPrice; cannot overflow (64 + 128 bits per term).
    function cost(RelayRequest memory request, RelayReceipt memory receipt) internal pure returns (uint256) {
        return uint256(receipt.inputUnits) * request.inputPrice + uint256(receipt.outputUnits) * request.outputPrice;
    }
}
