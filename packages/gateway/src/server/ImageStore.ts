import { randomBytes } from "node:crypto";

export type ImageStoreParameters = {
  /** Most PNG bytes kept at once; the oldest images go first when a new one needs room. @default 256 MiB */
  maxBytes?: number;
  /** How long an image is served after it was kept, ms. @default 3_600_000 (one hour) */
  ttlMs?: number;
  /** The clock (tests). @default Date.now */
  now?: () => number;
};

type Entry = { bytes: Uint8Array; expiresAt: number };

/** 128 random bits, URL-safe: an id is its own access right (`GET /v1/images/<id>.png` needs no API key). */
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * The PNGs of the gateway's `response_format: "url"` answers, in memory: bounded in bytes (oldest evicted
 * first), each for `ttlMs` (an hour, OpenAI's own lifetime for image URLs), under an unguessable random id.
 * Lost on restart, and kept by the replica that answered: a URL is for fetching the image soon after.
 *
 * @example
 * ```ts
 * const images = new ImageStore({ maxBytes: 64 * 1024 * 1024 });
 * const id = images.put(png);
 * images.get(id); // the PNG, until it expires or is evicted
 * ```
 */
export class ImageStore {
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  // Insertion order is age order (every entry has the same lifetime): the first is the next to go.
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(parameters: ImageStoreParameters = {}) {
    this.maxBytes = parameters.maxBytes ?? 256 * 1024 * 1024;
    this.ttlMs = parameters.ttlMs ?? 3_600_000;
    this.#now = parameters.now ?? Date.now;
  }

  /** Bytes kept now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Keeps `png` and answers its id, evicting expired then oldest images to make room.
   *
   * @returns the id, or undefined when the image alone is larger than `maxBytes`.
   */
  put(png: Uint8Array): string | undefined {
    if (png.length > this.maxBytes) return undefined;
    this.#sweep();
    for (const [id, entry] of this.#entries) {
      if (this.#bytes + png.length <= this.maxBytes) break;
      this.#delete(id, entry);
    }
    const id = randomBytes(16).toString("base64url");
    this.#entries.set(id, { bytes: png, expiresAt: this.#now() + this.ttlMs });
    this.#bytes += png.length;
    return id;
  }

  /** The PNG kept under `id`, or undefined when unknown, expired or evicted. */
  get(id: string): Uint8Array | undefined {
    if (!ID_PATTERN.test(id)) return undefined;
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#delete(id, entry);
      return undefined;
    }
    return entry.bytes;
  }

  /** Drops the expired images (they are the oldest: the sweep stops at the first live one). */
  #sweep(): void {
    const now = this.#now();
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) return;
      this.#delete(id, entry);
    }
  }

  #delete(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= entry.bytes.length;
  }
}
