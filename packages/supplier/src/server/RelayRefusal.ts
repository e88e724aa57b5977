/** Why a relay is refused: an HTTP status and an OpenAI error `code` (protocol.md §4). Costs nothing. */
export type RelayRefusal = {
  status: 400 | 401 | 402 | 403 | 404 | 409 | 413 | 415 | 500 | 502 | 503 | 504;
  code: string;
  message: string;
  param?: string;
};

export const refusal = (
  status: RelayRefusal["status"],
  code: string,
  message: string,
  param?: string,
): RelayRefusal => (param === undefined ? { status, code, message } : { status, code, message, param });
