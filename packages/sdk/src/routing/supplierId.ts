/**
 * Normalizes a supplier identifier so that the forms a user may write compare equal: an address in any
 * case (`0xAbC…` → `0xabc…`), or an endpoint URL with any scheme/host case and trailing slashes
 * (`HTTPS://Node.example/` → `https://node.example`). The URL path keeps its case.
 *
 * @param identifier - an address or an endpoint URL.
 * @returns the comparison key.
 * @example
 * ```ts
 * normalizeSupplierId("https://Node.Example.com/aviary/"); // "https://node.example.com/aviary"
 * ```
 */
export function normalizeSupplierId(identifier: string): string {
  const trimmed = identifier.trim();
  if (/^0x[0-9a-fA-F]{40}$/.test(trimmed)) return trimmed.toLowerCase();
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      const url = new URL(trimmed);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}${url.search}`;
    } catch {
      // Not a URL after all: compare it as text.
    }
  }
  return trimmed.toLowerCase();
}

/**
 * Builds a matcher over a list of supplier identifiers (addresses or endpoint URLs).
 *
 * @param identifiers - addresses or endpoint URLs, in any case.
 * @returns `indexOf(supplier)`: the position of the first identifier naming the supplier (by address or
 *   endpoint), or -1.
 * @example
 * ```ts
 * const listed = supplierIdMatcher(["0xAB…", "https://node.example"]);
 * listed.indexOf({ address: "0xab…", endpoint: "https://x.example" }); // 0
 * ```
 */
export function supplierIdMatcher(identifiers: readonly string[]): {
  indexOf(supplier: { address: string; endpoint: string }): number;
} {
  const positions = new Map<string, number>();
  identifiers.forEach((identifier, index) => {
    const key = normalizeSupplierId(identifier);
    if (!positions.has(key)) positions.set(key, index);
  });
  return {
    indexOf({ address, endpoint }) {
      if (positions.size === 0) return -1; // the common case: no list, no URL parsing on the hot path
      const byAddress = positions.get(normalizeSupplierId(address));
      const byEndpoint = positions.get(normalizeSupplierId(endpoint));
      if (byAddress === undefined) return byEndpoint ?? -1;
      return byEndpoint === undefined ? byAddress : Math.min(byAddress, byEndpoint);
    },
  };
}
