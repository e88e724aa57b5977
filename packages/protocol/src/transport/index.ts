export { base64UrlToHex, hexToBase64Url } from "./base64url.ts";
export { RelayHeaderInvalidError } from "./errors.ts";
export {
  type OpenAiErrorBody,
  type OpenAiErrorType,
  openAiError,
  openAiErrorResponse,
} from "./openAiError.ts";
export {
  decodeReceiptHeader,
  encodeReceiptHeader,
  RECEIPT_HEADER,
  RECEIPT_SSE_PREFIX,
  type SignedRelayReceipt,
} from "./receiptHeader.ts";
export {
  decodeRelayHeader,
  encodeRelayHeader,
  RELAY_HEADER,
  type SignedRelayRequest,
} from "./relayHeader.ts";
