/**
 * Refuses a relay whose key (the EIP-712 digest of its request: unique per application and nonce) was
 * already served or is being served. Seeded from the relay store at start, so a restart does not reopen
 * the door to replays.
 */
export class NonceGuard {
  readonly #seen = new Map<bigint, Set<string>>();

  /** Marks `relayKey` as taken; false when it already was. */
  take(session: bigint, relayKey: string): boolean {
    let keys = this.#seen.get(session);
    if (!keys) {
      keys = new Set();
      this.#seen.set(session, keys);
    }
    if (keys.has(relayKey)) return false;
    keys.add(relayKey);
    return true;
  }

  /** Frees a key whose relay was not served (refused or failed before a receipt), so it may be retried. */
  release(session: bigint, relayKey: string): void {
    this.#seen.get(session)?.delete(relayKey);
  }

  forgetBefore(session: bigint): void {
    for (const key of this.#seen.keys()) if (key < session) this.#seen.delete(key);
  }
}
