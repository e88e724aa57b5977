/** Nonces drawn per batch: one `getRandomValues` call per 512 relays instead of one per relay. */
const pool = new BigUint64Array(512);
let next = pool.length;

/**
 * A fresh random 64-bit relay nonce (protocol.md §4: the supplier refuses a nonce it has seen in the session),
 * from the platform's CSPRNG. Drawn in batches, since the call itself costs more than the bytes on the relay
 * hot path.
 *
 * @returns a uniformly random bigint in [0, 2^64).
 * @example
 * ```ts
 * const request = { ...fields, nonce: randomNonce() };
 * ```
 */
export function randomNonce(): bigint {
  if (next === pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  const nonce = pool[next] as bigint;
  // Used once: cleared so a nonce never stays in memory after it was handed out.
  pool[next] = 0n;
  next += 1;
  return nonce;
}
