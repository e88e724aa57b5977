import { aviaryChain, type OpenAiRoute, openAiError } from "@aviary/protocol";
import {
  type Address,
  createPublicClient,
  getAddress,
  http,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { getRegistryParams } from "./actions/getRegistryParams.ts";
import type { SupplierCandidateInfo } from "./discovery/discoverSuppliers.ts";
import { SupplierDirectory } from "./discovery/SupplierDirectory.ts";
import { ChainReadError, RelayAbortedError, RelayBodyInvalidError } from "./errors.ts";
import { createModelListing } from "./models/createModelListing.ts";
import { createAccountRelaySigner } from "./relay/createAccountRelaySigner.ts";
import { encodeRelayResponse } from "./relay/encodeRelayResponse.ts";
import { parseRelayBody } from "./relay/parseRelayBody.ts";
import { planRelay } from "./relay/planRelay.ts";
import { prepareRelayBody } from "./relay/prepareRelayBody.ts";
import { relayErrorResponse } from "./relay/relayErrorResponse.ts";
import type { RelayAttemptReport } from "./relay/relayWithFailover.ts";
import { relayWithModelFallback } from "./relay/relayWithModelFallback.ts";
import { reportRelayAttempt } from "./relay/reportRelayAttempt.ts";
import { SupplierDistrust } from "./relay/SupplierDistrust.ts";
import { sendPlannedRelay } from "./relay/sendPlannedRelay.ts";
import { ResponseItemMemory } from "./responses/ResponseItemMemory.ts";
import { relayResponses } from "./responses/relayResponses.ts";
import {
  DEFAULT_ROUTING_STRATEGY,
  type ProviderOptionsInput,
  parseProviderOptions,
  type RoutingStrategy,
  SupplierStatsBook,
} from "./routing/index.ts";

export type CreateAviaryFetchParameters = {
  /** Signs every RelayRequest: the application itself, or a gateway the application delegated to. */
  account: LocalAccount;
  /** The application paying for the relays, when `account` is a delegated gateway. @default account.address */
  application?: Address;
  chain: {
    rpcUrl: string;
    chainId: number;
    /** The registry contract. */
    registry: Address;
    /** The settlement contract (the relay EIP-712 domain's verifying contract). */
    settlement: Address;
    /** Where `GET /models` starts scanning for `ModelRegistered` (the registry's deployment block). @default 0n */
    fromBlock?: bigint;
  };
  /** How suppliers are ranked (routing). @default { type: "quality-price" } */
  strategy?: RoutingStrategy;
  /**
   * OpenRouter-style provider options applied to every request (`order`, `only`, `ignore`, `sort`, `max_price`,
   * `allow_fallbacks`, `require_parameters`, `data_collection`); a request body's own `provider` field
   * overrides them key by key.
   */
  provider?: ProviderOptionsInput;
  /** Most suppliers tried per request. @default 3 */
  maxAttempts?: number;
  /** A fetch to reach suppliers with. @default undici `request` over a keep-alive pool per supplier origin */
  fetch?: typeof globalThis.fetch;
  /** A public client to read the chain with. @default one over `chain.rpcUrl` */
  publicClient?: PublicClient;
  /** Output tokens signed for when a request sets no `max_tokens`. @default 256 */
  defaultMaxTokens?: number;
  /** See `sendRelayAttempt`. @default 60_000 */
  firstByteTimeoutMs?: number;
  /** See `sendRelayAttempt`. @default 30_000 */
  chunkTimeoutMs?: number;
  /** How long the chain head is reused before it is read again, ms. @default 1_000 */
  headCacheMs?: number;
  /**
   * Relays name the session of `head − sessionLagBlocks`, so that at a rollover a supplier a block behind (or
   * ahead) still serves them. @default floor(graceBlocks / 2)
   */
  sessionLagBlocks?: number;
  /** How long a supplier whose receipt did not verify is only used as a last resort, ms. @default 600_000 */
  distrustMs?: number;
  /**
   * Start a parallel attempt on the next planned supplier when the first has not answered after this long, ms
   * (the gateway's `routing.hedgeAfterMs`). Costs nothing extra when it loses before being served, but a
   * hedge served in full is billed too. @default null (no hedging)
   */
  hedgeAfterMs?: number | null;
  /** Called with every attempt's outcome (after the SDK's own stats book got it). */
  onAttempt?: (report: RelayAttemptReport<SupplierCandidateInfo>) => void;
};

const relayRoutes: readonly OpenAiRoute[] = [
  "chat/completions",
  "completions",
  "embeddings",
  "images/generations",
];

/**
 * A `fetch` that speaks the OpenAI API by relaying straight to Aviary suppliers, for the official `openai`
 * client (or any OpenAI-compatible one): no gateway, the application's (or its delegated gateway's) key signs.
 *
 * - `POST …/chat/completions`, `…/completions`, `…/embeddings`, `…/images/generations`: the relay pipeline the gateway runs too
 *   (`parseRelayBody` → `prepareRelayBody` → `planRelay` → `sendPlannedRelay` → `encodeRelayResponse`):
 *   `modelId = keccak256(model)`; the suppliers offering it in the current session (cached per session),
 *   ranked with the SDK's own stats book (a supplier whose receipt did not verify only as a last resort); a
 *   RelayRequest signed per attempt with a fresh nonce and a `maxCost` bounding the prompt (UTF-8 bytes + 16
 *   per message) times the input price plus `max_tokens` (default 256, written into the body) times the
 *   output price; failover (and, with `hedgeAfterMs`, a hedge); the receipt verified. Answers the supplier's
 *   JSON (status 200, with the `Aviary-Receipt` and `Aviary-Supplier` headers), or an event stream that
 *   re-emits the data events and the receipt comment and ends with `data: [DONE]` only once the receipt
 *   verified; a stream that breaks after its first event ends with an explicit `data: {"error":{…}}` event
 *   and no `[DONE]`. Images are priced n × steps × the output price (`maxCost`), answered as the supplier's
 *   `{ created, data: [{ b64_json }], usage }`; `response_format: "url"` is a 400 naming `response_format`
 *   (there is no server here to serve the bytes from: ask for `b64_json`), `stream: true` a 400 naming `stream`.
 * - `POST …/responses`: the OpenAI Responses API, served as one chat/completions relay (`relayResponses`:
 *   the request translated, the answer or stream translated back). Output items are kept for an hour in
 *   this instance's memory (`ResponseItemMemory`) so a later request can send them as `item_reference`
 *   (unless `store: false`); responses are not stored, so `previous_response_id` is refused.
 * - Suppliers are only sent requests they declared support for (`capabilities`, see `SupplierDirectory`).
 * - Errors before the first byte are OpenAI-shaped: 400 for a bad body, 400 `unsupported_parameter` when no
 *   supplier supports a field the body sets, 404 `model_not_found` when nobody offers
 *   the model, the supplier's 4xx when it refused for a reason no other supplier would change, 502/503 when every
 *   supplier failed, 503 `chain_unavailable` when the chain cannot be read.
 * - `GET …/models`: the models offered in the current session, OpenAI's list shape (`created`: Unix time of
 *   the registration block), plus `suppliers` and `pricing: { prompt, completion, unit }` (the lowest offers,
 *   decimal strings of token wei per token). `GET …/models/{id}`: one entry of it, or 404 `model_not_found`.
 * - A body's `models: [...]` (OpenRouter's fallback list): when `model` has no capable supplier or every
 *   attempt on it failed, the next model is tried (`relayWithModelFallback`); the answer's `model` names it.
 * - Anything else: 404.
 *
 * @param parameters - the signing account, the chain, routing options and limits.
 * @returns a function with `fetch`'s signature.
 * @throws {ProviderOptionsInvalidError} when `provider` does not parse (at creation).
 * @example
 * ```ts
 * import OpenAI from "openai";
 * const aviaryFetch = createAviaryFetch({
 *   account: privateKeyToAccount(applicationKey),
 *   chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, registry, settlement },
 * });
 * const openai = new OpenAI({ apiKey: "unused", baseURL: "http://aviary.local/v1", fetch: aviaryFetch });
 * const completion = await openai.chat.completions.create({ model: "my-model", messages: [{ role: "user", content: "Hi" }] });
 * ```
 */
export function createAviaryFetch(parameters: CreateAviaryFetchParameters): typeof globalThis.fetch {
  const { account, chain } = parameters;
  const application = getAddress(parameters.application ?? account.address);
  const registry = getAddress(chain.registry);
  const domain = { chainId: chain.chainId, verifyingContract: getAddress(chain.settlement) };
  const publicClient =
    parameters.publicClient ??
    (createPublicClient({
      chain: aviaryChain({ rpcUrl: chain.rpcUrl, chainId: chain.chainId }),
      transport: http(chain.rpcUrl, { retryCount: 1, timeout: 10_000 }),
    }) as PublicClient);
  const directory = new SupplierDirectory({ publicClient, registry, fetch: parameters.fetch });
  const book = new SupplierStatsBook({ maxEntries: 1_000 });
  const distrust = new SupplierDistrust({ distrustMs: parameters.distrustMs });
  const signer = createAccountRelaySigner({ account, application, domain });
  const strategy = parameters.strategy ?? DEFAULT_ROUTING_STRATEGY;
  // Checked once here: a bad configuration fails at creation, not on every request.
  if (parameters.provider !== undefined) parseProviderOptions(parameters.provider);

  let paramsPromise: Promise<{ sessionBlocks: bigint; graceBlocks: bigint }> | undefined;
  const sessionParams = () => {
    if (!paramsPromise) {
      const loading = getRegistryParams(publicClient, { registry }).then((params) => ({
        sessionBlocks: BigInt(params.sessionBlocks),
        graceBlocks: BigInt(params.graceBlocks),
      }));
      // Fixed at deployment: read once; a failed read is retried by the next request.
      loading.catch(() => {
        if (paramsPromise === loading) paramsPromise = undefined;
      });
      paramsPromise = loading;
    }
    return paramsPromise;
  };

  /** The sessions to relay in: the lagged one first, then the head's (when they differ). */
  const sessions = async (): Promise<bigint[]> => {
    let head: bigint;
    let params: { sessionBlocks: bigint; graceBlocks: bigint };
    try {
      [head, params] = await Promise.all([
        publicClient.getBlockNumber({ cacheTime: parameters.headCacheMs ?? 1_000 }),
        sessionParams(),
      ]);
    } catch (cause) {
      throw new ChainReadError({ what: "the chain head and session parameters", cause });
    }
    const lag = BigInt(parameters.sessionLagBlocks ?? Number(params.graceBlocks / 2n));
    const current = head / params.sessionBlocks;
    const lagged = (head > lag ? head - lag : 0n) / params.sessionBlocks;
    return lagged === current ? [current] : [lagged, current];
  };

  const listing = createModelListing({
    publicClient,
    registry,
    fromBlock: chain.fromBlock,
    directory,
    sessions,
    cacheMs: 60_000,
  });
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const models = async (): Promise<Response> => json(200, { object: "list", data: await listing() });
  const model = async (id: string): Promise<Response> => {
    const entry = (await listing()).find((candidate) => candidate.id === id);
    if (entry) return json(200, entry);
    return json(
      404,
      openAiError(
        404,
        "model_not_found",
        `The model \`${id}\` is not offered in the current session.`,
        "model",
      ),
    );
  };

  const onAttempt = (report: RelayAttemptReport<SupplierCandidateInfo>) => {
    reportRelayAttempt({ book, distrust, directory }, report);
    parameters.onAttempt?.(report);
  };

  async function relay(route: OpenAiRoute, request: Request): Promise<Response> {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const parsed = parseRelayBody({ route, bytes, defaultProvider: parameters.provider });
    if (route === "images/generations" && parsed.body.response_format === "url") {
      throw new RelayBodyInvalidError({
        code: "invalid_request",
        message:
          '`response_format` "url" needs a server to keep the image (a gateway does); relaying directly, use "b64_json".',
        param: "response_format",
      });
    }
    // The body's `models` list: each model is its own relay (own bytes, plan and signatures).
    const result = await relayWithModelFallback({
      parsed,
      relay: async (forModel) => {
        const prepared = prepareRelayBody({
          parsed: forModel,
          defaultMaxTokens: parameters.defaultMaxTokens,
        });
        const { session, plan } = await planRelay({
          prepared,
          sessions: await sessions(),
          directory,
          book,
          distrust,
          strategy,
          maxAttempts: parameters.maxAttempts ?? 3,
        });
        return sendPlannedRelay({
          prepared,
          session,
          plan,
          signer,
          domain,
          hedgeAfterMs: parameters.hedgeAfterMs,
          onAttempt,
          signal: request.signal,
          fetch: parameters.fetch,
          firstByteTimeoutMs: parameters.firstByteTimeoutMs,
          chunkTimeoutMs: parameters.chunkTimeoutMs,
        });
      },
    });
    return encodeRelayResponse({
      result,
      includeReceipt: true,
      headers: { "Aviary-Supplier": result.candidate.address },
    });
  }

  // This instance's Responses output items, for `item_reference`: one caller, one scope.
  const responseItems = new ResponseItemMemory();

  /** `POST …/responses`: the Responses API over an ordinary chat/completions relay (`relayResponses`). */
  async function responses(request: Request): Promise<Response> {
    return relayResponses({
      items: { memory: responseItems, scope: "local" },
      bytes: new Uint8Array(await request.arrayBuffer()),
      relayChat: async (chat) => {
        try {
          return await relay(
            "chat/completions",
            new Request(request.url, { method: "POST", body: chat, signal: request.signal }),
          );
        } catch (error) {
          if (error instanceof RelayAbortedError || request.signal.aborted)
            throw request.signal.reason ?? error;
          return relayErrorResponse(error);
        }
      },
    });
  }

  return async function aviaryFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname.replace(/\/+$/, "");
    try {
      if (request.method === "GET" && path.endsWith("/models")) return await models();
      const modelPath = request.method === "GET" ? /\/models\/(.+)$/.exec(path) : null;
      if (modelPath?.[1]) return await model(decodeURIComponent(modelPath[1]));
      if (request.method === "POST") {
        if (path.endsWith("/responses")) return await responses(request);
        const route = relayRoutes.find((candidate) => path.endsWith(`/${candidate}`));
        if (route) return await relay(route, request);
      }
      return new Response(
        JSON.stringify(
          openAiError(
            404,
            "unknown_route",
            `${request.method} ${path} is not served by Aviary (chat/completions, completions, embeddings, images/generations, responses, models).`,
          ),
        ),
        { status: 404, headers: { "content-type": "application/json" } },
      );
    } catch (error) {
      if (error instanceof RelayAbortedError || request.signal.aborted) throw request.signal.reason ?? error;
      return relayErrorResponse(error);
    }
  };
}
