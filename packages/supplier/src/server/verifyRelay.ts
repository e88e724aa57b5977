import {
  decodeRelayHeader,
  hashRelayRequest,
  isServable,
  keccak256Hex,
  type ModelCapabilities,
  type OpenAiRoute,
  parseOpenAiBody,
  type RelayRequest,
  recoverDigestSigner,
  relayKeyOfStructHash,
  requestedImageUnits,
  type SessionParams,
  sessionWindows,
  unsupportedRequestField,
} from "@aviary/protocol";
import { type Address, getAddress, type Hex, hexToBytes } from "viem";
import type { Backend, BackendCapabilities } from "../backends/Backend.ts";
import type { BudgetMeter } from "./BudgetMeter.ts";
import type { ChainView } from "./ChainView.ts";
import type { NonceGuard } from "./NonceGuard.ts";
import { type RelayRefusal, refusal } from "./RelayRefusal.ts";

/** A model this node serves. */
export type ServedModel = {
  name: string;
  modelId: Hex;
  backend: Backend;
  inputPrice: bigint;
  outputPrice: bigint;
  /** The operator's data policy for this model (configuration). @default "unspecified" */
  dataRetention?: ModelCapabilities["dataRetention"];
};

export type RelayContext = {
  supplier: Address;
  domain: { chainId: number; verifyingContract: Address };
  sessionParams: SessionParams;
  models: ReadonlyMap<string, ServedModel>; // by modelId (lowercase)
  chain: ChainView;
  nonces: NonceGuard;
  meter: BudgetMeter;
};

export type VerifiedRelay = {
  route: OpenAiRoute;
  request: RelayRequest;
  requestSignature: Hex;
  /** The EIP-712 digest of the request (what was signed; the trie key). */
  relayKey: Hex;
  /** The request's EIP-712 struct hash (a receipt's `request`), hashed once with the relay key. */
  requestHash: Hex;
  signer: Address;
  model: ServedModel;
  body: Record<string, unknown>;
  stream: boolean;
  includeUsage: boolean;
  /** The budget reserved (the request's maxCost): settle it with the actual cost. */
  reserved: bigint;
  /** What the model's runtime declared when the relay was checked against it (`unsupportedRequestField`). */
  capabilities: BackendCapabilities;
};

/**
 * Every check of protocol.md §4 before inference, cheapest first; nothing is reserved unless all pass.
 * Returns the verified relay, or the refusal to answer with.
 *
 * Serving window (§3): a session is served while the head is `< E + graceBlocks` (`session_expired` after).
 * From `servingRefreshFrom` (`E + graceBlocks − 2`) on, the head is read from the chain before the relay is
 * accepted, so a block watcher that lags cannot make the node serve past the end (after the signature
 * checks, so unsigned requests cannot make the node call the RPC).
 * Signatures follow the one rule (`recoverDigestSigner`: 65 bytes, v 27 or 28, low s); anything else is
 * `invalid_signature`, so the node never stores a request signature the contract would reject.
 */
export async function verifyRelay(
  context: RelayContext,
  route: OpenAiRoute,
  header: string | undefined,
  bodyBytes: Uint8Array,
): Promise<VerifiedRelay | RelayRefusal> {
  let decoded: ReturnType<typeof decodeRelayHeader>;
  try {
    decoded = decodeRelayHeader(header);
  } catch (error) {
    return header
      ? refusal(
          400,
          "invalid_relay_header",
          (error as Error).message.split("\n")[0] ?? "invalid Aviary-Relay header",
        )
      : refusal(
          400,
          "missing_relay_header",
          "This endpoint serves relays: send the signed request in the Aviary-Relay header.",
        );
  }
  const { request, signature } = decoded;

  if (request.supplier.toLowerCase() !== context.supplier.toLowerCase()) {
    return refusal(
      400,
      "wrong_supplier",
      `The relay names supplier ${request.supplier}, but this node is ${context.supplier}.`,
    );
  }
  const model = context.models.get(request.model.toLowerCase());
  if (!model) return refusal(404, "unknown_model", `Model ${request.model} is not served by this supplier.`);
  if (!model.backend.supports(route)) {
    // An image model asked for text, or a text model for images: the request names the wrong model.
    if ((route === "images/generations") !== (model.backend.capabilities().image !== undefined)) {
      const kind = route === "images/generations" ? "does not generate images" : "generates images only";
      return refusal(400, "unsupported_parameter", `\`model\` ${model.name} ${kind}.`, "model");
    }
    return refusal(404, "unsupported_route", `Model ${model.name} does not serve /v1/${route}.`);
  }

  let head = context.chain.head;
  let current = context.chain.currentSession;
  if (request.session === current + 1n) {
    // The caller may have seen the next session's first block before this node's watcher did: re-read the head
    // once (shared by concurrent relays) rather than refuse a relay that is on time.
    try {
      head = await context.chain.refreshHead();
      current = context.chain.currentSession;
    } catch {
      // Fall through with the cached head: the refusal below says which session this node sees.
    }
  }
  if (request.session > current) {
    return refusal(
      400,
      "session_not_started",
      `Session ${request.session} has not started (current session ${current}).`,
    );
  }
  if (!isServable(request.session, head, context.sessionParams))
    return expired(request.session, head, current);

  if (keccak256Hex(bodyBytes) !== request.bodyHash.toLowerCase()) {
    return refusal(400, "body_hash_mismatch", "bodyHash is not keccak256 of the request body bytes.");
  }

  // The struct hash once, for both the relay key and the receipt.
  const requestHash = hashRelayRequest(request);
  const key = relayKeyOfStructHash(context.domain, requestHash);
  const digest = hexToBytes(key);
  const signer = recoverDigestSigner(digest, signature);
  if (!signer)
    return refusal(
      401,
      "invalid_signature",
      "The Aviary-Relay signature breaks the signature rule (65 bytes r‖s‖v, v 27 or 28, s ≤ n/2) or does not recover.",
    );

  if (head >= sessionWindows(request.session, context.sessionParams).servingRefreshFrom) {
    let fresh: bigint;
    try {
      fresh = await context.chain.refreshHead();
    } catch {
      return refusal(
        503,
        "chain_unavailable",
        "The chain could not be read to check the session's end; retry.",
      );
    }
    if (!isServable(request.session, fresh, context.sessionParams))
      return expired(request.session, fresh, context.chain.currentSession);
  }
  const application = getAddress(request.application);
  if (signer !== application) {
    let delegated: boolean;
    try {
      delegated = await context.chain.isDelegated(application, signer, request.session);
    } catch {
      return refusal(503, "chain_unavailable", "The chain could not be read to check the delegation; retry.");
    }
    if (!delegated) {
      return refusal(
        403,
        "gateway_not_delegated",
        `The relay was signed by ${signer}, which is neither the application nor a gateway it delegated to in session ${request.session}.`,
      );
    }
  }

  let offer: Awaited<ReturnType<ChainView["offer"]>>;
  let budget: bigint;
  try {
    [offer, budget] = await Promise.all([
      context.chain.offer(model.modelId, request.session),
      context.chain.budget(application, request.session),
    ]);
  } catch {
    return refusal(
      503,
      "chain_unavailable",
      "The chain could not be read to check the offer and budget; retry.",
    );
  }
  if (!offer.active)
    return refusal(404, "unknown_model", `Model ${model.name} is not offered in session ${request.session}.`);
  if (request.inputPrice !== offer.inputPrice || request.outputPrice !== offer.outputPrice) {
    return refusal(
      400,
      "price_mismatch",
      `Prices must be this session's offer: input ${offer.inputPrice}, output ${offer.outputPrice} token wei per unit.`,
    );
  }

  const parsed = parseOpenAiBody(route, bodyBytes);
  if (!parsed.ok) return refusal(400, parsed.code, parsed.message, parsed.param ?? undefined);
  const body = parsed.body as Record<string, unknown> & { model: string; stream?: boolean | null };
  if (body.model !== model.name) {
    return refusal(
      400,
      "model_mismatch",
      `The body names model "${body.model}" but the relay is for "${model.name}".`,
      "model",
    );
  }
  // Never a silent drop: a field this runtime (or the declared upstream) would not honour is named in a 400.
  const capabilities = model.backend.capabilities();
  const unsupported = unsupportedRequestField(route, body, capabilities);
  if (unsupported) return refusal(400, "unsupported_parameter", unsupported.message, unsupported.param);
  if (route === "images/generations") {
    const imageRefusal = refuseImageRelay(body, request.maxCost, request.outputPrice);
    if (imageRefusal) return imageRefusal;
  }

  if (!context.nonces.take(request.session, key)) {
    return refusal(409, "replayed_nonce", `Relay ${key} (nonce ${request.nonce}) was already served.`);
  }
  if (!context.meter.reserve(application, request.session, request.maxCost, budget)) {
    context.nonces.release(request.session, key);
    return refusal(
      402,
      "over_budget",
      `Application ${application} has no budget left with this supplier in session ${request.session} (budget ${budget}, maxCost ${request.maxCost}).`,
    );
  }

  const streamOptions = body.stream_options as { include_usage?: boolean } | null | undefined;
  return {
    route,
    request,
    requestSignature: signature,
    relayKey: key,
    requestHash,
    signer,
    model,
    body,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    reserved: request.maxCost,
    capabilities,
  };
}

/**
 * What an images relay may not ask (beyond `unsupportedRequestField`): a `url` answer (suppliers answer
 * `b64_json`), a stream, or more images × steps than `maxCost` pays for at the offer's output price: the
 * supplier never renders more than the app signed for (`n` and `steps` are in the signed body).
 */
function refuseImageRelay(
  body: Record<string, unknown>,
  maxCost: bigint,
  outputPrice: bigint,
): RelayRefusal | undefined {
  if (body.response_format === "url") {
    return refusal(
      400,
      "unsupported_parameter",
      "`response_format` url is served by gateways; a supplier answers b64_json.",
      "response_format",
    );
  }
  if (body.stream === true) {
    return refusal(400, "unsupported_parameter", "`stream`: images are not streamed.", "stream");
  }
  const { units } = requestedImageUnits(body as { n?: number | null; steps?: number | null });
  if (maxCost < BigInt(units) * outputPrice) {
    return refusal(
      402,
      "max_cost_too_low",
      `maxCost ${maxCost} does not cover ${units} image steps (n × steps) at ${outputPrice} each.`,
    );
  }
  return undefined;
}

function expired(session: bigint, head: bigint, current: bigint): RelayRefusal {
  return refusal(
    400,
    "session_expired",
    `Session ${session} is over (block ${head}, current session ${current}).`,
  );
}
