import {
  aviaryChain,
  aviaryRegistryAbi,
  encodeRelayHeader,
  type OpenAiRoute,
  openAiError,
  openAiRouteSchemas,
  RECEIPT_HEADER,
  RECEIPT_SSE_PREFIX,
  type RelayRequest,
  signRelayRequest,
} from "@aviary/protocol";
import {
  type Address,
  createPublicClient,
  getAddress,
  type Hex,
  http,
  keccak256,
  type LocalAccount,
  type PublicClient,
  stringToBytes,
} from "viem";
import { type AviaryModel, listModels } from "./actions/listModels.ts";
import type { SupplierCandidateInfo } from "./discovery/discoverSuppliers.ts";
import { SupplierDirectory } from "./discovery/SupplierDirectory.ts";
import {
  BaseError,
  ChainReadError,
  NoSupplierError,
  ReceiptInvalidError,
  RelayAbortedError,
  RelayFailedError,
  StreamBrokenError,
} from "./errors.ts";
import { estimateMaxCost } from "./relay/estimateMaxCost.ts";
import { recordRelayAttempt } from "./relay/recordRelayAttempt.ts";
import {
  type RelayAttemptReport,
  type RelayWithFailoverReturnType,
  relayWithFailover,
} from "./relay/relayWithFailover.ts";
import {
  type Candidate,
  DEFAULT_ROUTING_STRATEGY,
  type ProviderOptionsInput,
  ProviderOptionsInvalidError,
  parseProviderOptions,
  planAttempts,
  type RoutingStrategy,
  rankCandidates,
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
   * `allow_fallbacks`); a request body's own `provider` field overrides them key by key.
   */
  provider?: ProviderOptionsInput;
  /** Most suppliers tried per request. @default 3 */
  maxAttempts?: number;
  /** The fetch used to reach suppliers. @default globalThis.fetch */
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
  /** Called with every attempt's outcome (after the SDK's own stats book got it). */
  onAttempt?: (report: RelayAttemptReport<SupplierCandidateInfo>) => void;
};

const relayRoutes: readonly OpenAiRoute[] = ["chat/completions", "completions", "embeddings"];
const encoder = new TextEncoder();

/**
 * A `fetch` that speaks the OpenAI API by relaying straight to Aviary suppliers, for the official `openai`
 * client (or any OpenAI-compatible one): no gateway, the application's (or its delegated gateway's) key signs.
 *
 * - `POST …/chat/completions`, `…/completions`, `…/embeddings`: reads the body; `modelId = keccak256(model)`;
 *   discovers the suppliers offering it in the current session (cached per session); ranks them (routing, with
 *   the SDK's own stats book); signs a RelayRequest per attempt with a fresh nonce and a `maxCost` bounding the
 *   prompt (UTF-8 bytes + 16 per message) times the input price plus `max_tokens` (default 256) times the output
 *   price; relays with failover and verifies the receipt. Answers the supplier's JSON (status 200, with the
 *   `Aviary-Receipt` and `Aviary-Supplier` headers), or an event stream that re-emits the data events and the
 *   receipt comment and ends with `data: [DONE]` only once the receipt verified; a stream that breaks after its
 *   first event ends with an explicit `data: {"error":{…}}` event and no `[DONE]`.
 * - Errors before the first byte are OpenAI-shaped: 400 for a bad body, 404 `model_not_found` when nobody offers
 *   the model, the supplier's 4xx when it refused for a reason no other supplier would change, 502/503 when every
 *   supplier failed, 503 `chain_unavailable` when the chain cannot be read.
 * - `GET …/models`: the models offered in the current session, OpenAI's list shape, plus
 *   `pricing: { prompt, completion }` (the lowest offers, decimal strings of token wei per token).
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
  const directory = new SupplierDirectory({ publicClient, registry });
  const book = new SupplierStatsBook({ maxEntries: 1_000 });
  const distrusted = new Map<string, number>();
  const distrustMs = parameters.distrustMs ?? 600_000;
  const maxAttempts = parameters.maxAttempts ?? 3;
  const strategy = parameters.strategy ?? DEFAULT_ROUTING_STRATEGY;
  // Checked once here: a bad configuration fails at creation, not on every request.
  const defaultProvider =
    parameters.provider === undefined ? undefined : parseProviderOptions(parameters.provider);

  let paramsPromise: Promise<{ sessionBlocks: bigint; graceBlocks: bigint }> | undefined;
  const sessionParams = () => {
    if (!paramsPromise) {
      const loading = publicClient
        .readContract({ address: registry, abi: aviaryRegistryAbi, functionName: "params" })
        .then((params) => ({
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
    const [head, params] = await Promise.all([
      publicClient.getBlockNumber({ cacheTime: parameters.headCacheMs ?? 1_000 }),
      sessionParams(),
    ]);
    const lag = BigInt(parameters.sessionLagBlocks ?? Number(params.graceBlocks / 2n));
    const current = head / params.sessionBlocks;
    const lagged = (head > lag ? head - lag : 0n) / params.sessionBlocks;
    return lagged === current ? [current] : [lagged, current];
  };

  /** The suppliers offering `modelId`, and the session they offer it in. */
  const findSuppliers = async (
    modelId: Hex,
  ): Promise<{ session: bigint; suppliers: SupplierCandidateInfo[] }> => {
    let list: bigint[];
    try {
      list = await sessions();
    } catch (cause) {
      throw new ChainReadError({ what: "the chain head and session parameters", cause });
    }
    let found: { session: bigint; suppliers: SupplierCandidateInfo[] } = {
      session: list[0] ?? 0n,
      suppliers: [],
    };
    for (const session of list) {
      const suppliers = await directory.get(modelId, session);
      found = { session, suppliers };
      if (suppliers.length > 0) break;
    }
    return found;
  };

  let modelsCache: { at: number; value: Promise<AviaryModel[]> } | undefined;
  const blockTimes = new Map<bigint, Promise<number>>();
  const registeredModels = () => {
    if (!modelsCache || Date.now() - modelsCache.at > 60_000) {
      const value = listModels(publicClient, { registry, fromBlock: chain.fromBlock });
      modelsCache = { at: Date.now(), value };
      value.catch(() => {
        if (modelsCache?.value === value) modelsCache = undefined;
      });
    }
    return modelsCache.value;
  };
  const blockTime = (blockNumber: bigint) => {
    let time = blockTimes.get(blockNumber);
    if (!time) {
      time = publicClient.getBlock({ blockNumber }).then((block) => Number(block.timestamp));
      blockTimes.set(blockNumber, time);
      time.catch(() => blockTimes.delete(blockNumber));
    }
    return time;
  };

  async function models(): Promise<Response> {
    let list: AviaryModel[];
    try {
      list = await registeredModels();
    } catch (cause) {
      return chainUnavailable(new ChainReadError({ what: "the registered models", cause }));
    }
    const data: unknown[] = [];
    try {
      const offered = await Promise.all(
        list.map(async (model) => ({ model, found: await findSuppliers(model.modelId) })),
      );
      for (const { model, found } of offered) {
        if (found.suppliers.length === 0) continue;
        const prompt = found.suppliers.reduce(
          (low, supplier) => (supplier.inputPrice < low ? supplier.inputPrice : low),
          found.suppliers[0]?.inputPrice ?? 0n,
        );
        const completion = found.suppliers.reduce(
          (low, supplier) => (supplier.outputPrice < low ? supplier.outputPrice : low),
          found.suppliers[0]?.outputPrice ?? 0n,
        );
        data.push({
          id: model.name,
          object: "model",
          created: await blockTime(model.registeredAt).catch(() => 0),
          owned_by: model.source,
          kind: model.kind,
          suppliers: found.suppliers.length,
          pricing: { prompt: prompt.toString(), completion: completion.toString() },
        });
      }
    } catch (error) {
      return errorResponse(error);
    }
    return json({ object: "list", data }, 200);
  }

  async function relay(route: OpenAiRoute, request: Request): Promise<Response> {
    const body = new Uint8Array(await request.arrayBuffer());
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return json(openAiError(400, "invalid_json", "The request body is not JSON."), 400);
    }
    const parsed = openAiRouteSchemas[route].safeParse(parsedJson);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join(".") || null;
      return json(
        openAiError(
          400,
          "invalid_request",
          `${param ? `${param}: ` : ""}${issue?.message ?? "invalid body"}`,
          param,
        ),
        400,
      );
    }
    const requestBody = parsed.data as Record<string, unknown> & { model: string };
    let provider: ProviderOptionsInput | undefined = defaultProvider;
    if (requestBody.provider !== undefined && requestBody.provider !== null) {
      try {
        const own = requestBody.provider;
        provider = parseProviderOptions(
          typeof own === "object" && !Array.isArray(own) ? { ...parameters.provider, ...own } : own,
        );
      } catch (error) {
        if (!(error instanceof ProviderOptionsInvalidError)) throw error;
        return json(openAiError(400, "invalid_provider", error.shortMessage, error.field), 400);
      }
    }

    const modelId = keccak256(stringToBytes(requestBody.model));
    const { session, suppliers } = await findSuppliers(modelId);
    if (suppliers.length === 0)
      throw new NoSupplierError({ model: modelId, session, modelName: requestBody.model });

    // Rank: distrusted suppliers (a receipt that did not verify) only as a last resort.
    const now = Date.now();
    for (const [address, until] of distrusted) if (until <= now) distrusted.delete(address);
    const trusted = suppliers.filter((supplier) => !distrusted.has(supplier.address.toLowerCase()));
    const pool = trusted.length > 0 ? trusted : suppliers;
    const byAddress = new Map(pool.map((supplier) => [supplier.address.toLowerCase(), supplier]));
    // Unit bounds once; each candidate's maxCost prices them at its own offer.
    const bounds = estimateMaxCost({
      route,
      body: requestBody,
      inputPrice: 0n,
      outputPrice: 0n,
      defaultMaxTokens: parameters.defaultMaxTokens,
    });
    const candidates: Candidate[] = pool.map((supplier) => ({
      ...supplier,
      stats: book.statsFor(supplier, now),
    }));
    const { ranked } = rankCandidates(candidates, {
      strategy,
      provider,
      now,
      random: Math.random,
      expectedUsage: { inputTokens: Number(bounds.inputUnits), outputTokens: Number(bounds.outputUnits) },
    });
    const plan = planAttempts(ranked, { maxAttempts })
      .map((candidate) => byAddress.get(candidate.address.toLowerCase()))
      .filter((candidate): candidate is SupplierCandidateInfo => candidate !== undefined);
    if (plan.length === 0) {
      return json(
        openAiError(
          404,
          "model_not_found",
          `No supplier of ${requestBody.model} matches the provider options.`,
          "provider",
        ),
        404,
      );
    }

    const bodyHash = keccak256(body);
    const result = await relayWithFailover({
      candidates: plan,
      route,
      body,
      domain,
      maxAttempts,
      signal: request.signal,
      fetch: parameters.fetch,
      firstByteTimeoutMs: parameters.firstByteTimeoutMs,
      chunkTimeoutMs: parameters.chunkTimeoutMs,
      signRelay: async (candidate) => {
        const relayRequest: RelayRequest = {
          application,
          supplier: candidate.address,
          model: modelId,
          session,
          nonce: randomNonce(),
          bodyHash,
          inputPrice: candidate.inputPrice,
          outputPrice: candidate.outputPrice,
          maxCost: bounds.inputUnits * candidate.inputPrice + bounds.outputUnits * candidate.outputPrice,
        };
        const signature = await signRelayRequest({ domain, request: relayRequest, signer: account });
        return { header: encodeRelayHeader({ request: relayRequest, signature }), request: relayRequest };
      },
      onAttempt: (report) => {
        recordRelayAttempt(book, report);
        if (!report.outcome.ok) {
          const { failure } = report.outcome;
          if (failure.kind === "receipt-invalid")
            distrusted.set(report.candidate.address.toLowerCase(), Date.now() + distrustMs);
          if (failure.kind === "http" && failure.code === "price_mismatch") directory.clear();
        }
        parameters.onAttempt?.(report);
      },
    });
    return result.kind === "json" ? jsonResult(result) : streamResult(result);
  }

  return async function aviaryFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname.replace(/\/+$/, "");
    try {
      if (request.method === "GET" && path.endsWith("/models")) return await models();
      if (request.method === "POST") {
        const route = relayRoutes.find((candidate) => path.endsWith(`/${candidate}`));
        if (route) return await relay(route, request);
      }
      return json(
        openAiError(
          404,
          "unknown_route",
          `${request.method} ${path} is not served by Aviary (chat/completions, completions, embeddings, models).`,
        ),
        404,
      );
    } catch (error) {
      if (error instanceof RelayAbortedError || request.signal.aborted) throw request.signal.reason ?? error;
      return errorResponse(error);
    }
  };
}

function randomNonce(): bigint {
  return crypto.getRandomValues(new BigUint64Array(1))[0] ?? 0n;
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function chainUnavailable(error: ChainReadError): Response {
  return json(openAiError(503, "chain_unavailable", error.shortMessage), 503);
}

function errorResponse(error: unknown): Response {
  if (error instanceof NoSupplierError)
    return json(openAiError(404, "model_not_found", error.shortMessage, "model"), 404);
  if (error instanceof RelayFailedError)
    return json(openAiError(error.status, error.code, error.shortMessage), error.status);
  if (error instanceof ChainReadError) return chainUnavailable(error);
  const message =
    error instanceof BaseError
      ? error.shortMessage
      : error instanceof Error
        ? error.message.split("\n")[0]
        : String(error);
  return json(openAiError(500, "internal_error", `Aviary SDK error: ${message}`), 500);
}

function jsonResult(
  result: Extract<RelayWithFailoverReturnType<SupplierCandidateInfo>, { kind: "json" }>,
): Response {
  return new Response(result.body, {
    status: 200,
    headers: {
      "content-type": "application/json",
      [RECEIPT_HEADER]: result.receipt.encoded,
      "Aviary-Supplier": result.candidate.address,
    },
  });
}

/** The OpenAI error body a broken stream ends with. */
function streamErrorBody(error: unknown) {
  if (error instanceof ReceiptInvalidError) return openAiError(502, "receipt_invalid", error.shortMessage);
  if (error instanceof StreamBrokenError)
    return openAiError(error.status ?? 502, error.code, error.shortMessage);
  const message =
    error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return openAiError(502, "stream_broken", message);
}

function sseData(data: string): Uint8Array {
  return encoder.encode(
    `${data
      .split("\n")
      .map((line) => `data: ${line}`)
      .join("\n")}\n\n`,
  );
}

function streamResult(
  result: Extract<RelayWithFailoverReturnType<SupplierCandidateInfo>, { kind: "stream" }>,
): Response {
  const iterator = result.events[Symbol.asyncIterator]();
  let first = result.firstEvent;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (first) {
        controller.enqueue(sseData(first.data));
        first = undefined;
        return;
      }
      try {
        const next = await iterator.next();
        if (!next.done) {
          controller.enqueue(sseData(next.value.data));
          return;
        }
        const receipt = await result.receipt;
        controller.enqueue(encoder.encode(`${RECEIPT_SSE_PREFIX}${receipt.encoded}\n\ndata: [DONE]\n\n`));
        controller.close();
      } catch (error) {
        // After the first byte the status is sent: end with an explicit error event, never a clean end.
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(streamErrorBody(error))}\n\n`));
        controller.close();
      }
    },
    async cancel(reason) {
      result.cancel(reason);
      await iterator.return?.(undefined);
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "Aviary-Supplier": result.candidate.address,
    },
  });
}
