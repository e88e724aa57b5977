import type { ResponseOutputItem } from "./buildResponse.ts";

/** How long an output item can be referred to (`item_reference`) after its response finished: 1 hour. */
export const RESPONSE_ITEM_TTL_MS = 60 * 60_000;
/** At most this many items are kept (all scopes together); the least recently used go first. */
export const RESPONSE_ITEM_MEMORY_MAX_ITEMS = 10_000;
/** At most this much content is kept (all scopes together, counted as UTF-16 code units × 2): 32 MiB. */
export const RESPONSE_ITEM_MEMORY_MAX_BYTES = 32 * 1024 * 1024;

/**
 * What an output item is remembered as: exactly the input item that stands for it when a later request
 * refers to it by id (a message: its role and text parts; a function call: `call_id`, `name`, `arguments`).
 */
export type RememberedResponseItem =
  | {
      type: "message";
      role: "assistant";
      content: ({ type: "output_text"; text: string } | { type: "refusal"; refusal: string })[];
    }
  | { type: "function_call"; call_id: string; name: string; arguments: string };

export type ResponseItemMemoryParameters = {
  /** @default {@link RESPONSE_ITEM_TTL_MS} */
  ttlMs?: number;
  /** @default {@link RESPONSE_ITEM_MEMORY_MAX_ITEMS} */
  maxItems?: number;
  /** @default {@link RESPONSE_ITEM_MEMORY_MAX_BYTES} */
  maxBytes?: number;
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
};

type Entry = { item: RememberedResponseItem; bytes: number; expiresAt: number };

/**
 * The output items of finished Responses, kept for a while in this process so that a later request can send
 * them back as `{ "type": "item_reference", "id": … }` (what the Vercel AI SDK does by default, `store: true`)
 * instead of in full. Bounded: each item for `ttlMs` (1 hour), at most `maxItems` (10,000) items and `maxBytes`
 * (32 MiB) of content, least recently used evicted first. Items are scoped: `recall` finds only what was
 * remembered under the same scope (the gateway's API key id), so one caller never resolves another's items.
 * Nothing here is durable or shared: another gateway replica, or a restart, does not know the items.
 *
 * @param parameters - the TTL, the bounds and the clock.
 * @example
 * ```ts
 * const memory = new ResponseItemMemory();
 * memory.remember("key-1", response.output);
 * memory.recall("key-1", response.output[0].id); // { type: "message", role: "assistant", content: [...] }
 * memory.recall("key-2", response.output[0].id); // undefined
 * ```
 */
export class ResponseItemMemory {
  readonly #ttlMs: number;
  readonly #maxItems: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  /** By scope and item id; Map order is least recently used first. */
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(parameters: ResponseItemMemoryParameters = {}) {
    this.#ttlMs = parameters.ttlMs ?? RESPONSE_ITEM_TTL_MS;
    this.#maxItems = parameters.maxItems ?? RESPONSE_ITEM_MEMORY_MAX_ITEMS;
    this.#maxBytes = parameters.maxBytes ?? RESPONSE_ITEM_MEMORY_MAX_BYTES;
    this.#now = parameters.now ?? Date.now;
  }

  /** How many items are held (expired ones not yet dropped included). */
  get size(): number {
    return this.#entries.size;
  }

  /** The content held, in bytes (as counted for `maxBytes`). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Keeps finished output items under `scope`, each for the TTL from now. An item larger than `maxBytes` on its
   * own is not kept.
   *
   * @param scope - whose items these are (the gateway: the API key id).
   * @param items - the response's output items.
   */
  remember(scope: string, items: readonly ResponseOutputItem[]): void {
    const now = this.#now();
    for (const output of items) {
      const item = toRemembered(output);
      const key = keyOf(scope, output.id);
      const bytes = 2 * (key.length + JSON.stringify(item).length);
      this.#delete(key);
      if (bytes > this.#maxBytes) continue;
      this.#entries.set(key, { item, bytes, expiresAt: now + this.#ttlMs });
      this.#bytes += bytes;
    }
    this.#evict(now);
  }

  /**
   * The item remembered under `scope` with this id, or undefined (never remembered, another scope's, expired
   * or evicted). A hit counts as a use for the LRU order; it does not extend the TTL.
   *
   * @param scope - whose items to look in.
   * @param id - the output item's id (`msg_…`, `fc_…`).
   */
  recall(scope: string, id: string): RememberedResponseItem | undefined {
    const key = keyOf(scope, id);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.item;
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  /** Drops the least recently used while over a bound, and expired ones met at the old end. */
  #evict(now: number): void {
    for (const [key, entry] of this.#entries) {
      const over = this.#entries.size > this.#maxItems || this.#bytes > this.#maxBytes;
      if (!over && entry.expiresAt > now) return;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}

function keyOf(scope: string, id: string): string {
  // The scope is a key id or a constant: a NUL cannot occur in it, so two (scope, id) pairs never collide.
  return `${scope}\u0000${id}`;
}

function toRemembered(item: ResponseOutputItem): RememberedResponseItem {
  if (item.type === "function_call")
    return { type: "function_call", call_id: item.call_id, name: item.name, arguments: item.arguments };
  return {
    type: "message",
    role: "assistant",
    content: item.content.map((part) =>
      part.type === "refusal"
        ? { type: "refusal", refusal: part.refusal }
        : { type: "output_text", text: part.text },
    ),
  };
}
