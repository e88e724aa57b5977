import type { ImageAuditRender } from "@aviary/gateway";

/**
 * The latest covert image audits' renders per supplier, in memory and bounded (`perSupplier` audits for each
 * of at most `maxSuppliers` suppliers, the least recently audited dropped first). Only the gateway's own audit
 * renders go in: never a user's image.
 *
 * @example
 * ```ts
 * const gallery = new ImageAuditGallery({ perSupplier: 4 });
 * gallery.add(render);
 * gallery.list(); // newest first
 * ```
 */
export class ImageAuditGallery {
  readonly #perSupplier: number;
  readonly #maxSuppliers: number;
  readonly #bySupplier = new Map<string, ImageAuditRender[]>();

  constructor({ perSupplier = 4, maxSuppliers = 256 }: { perSupplier?: number; maxSuppliers?: number } = {}) {
    this.#perSupplier = perSupplier;
    this.#maxSuppliers = maxSuppliers;
  }

  /** Keeps `render` as its supplier's newest, dropping that supplier's oldest beyond the bound. */
  add(render: ImageAuditRender): void {
    if (this.#perSupplier === 0) return;
    const key = render.supplier.toLowerCase();
    const renders = this.#bySupplier.get(key) ?? [];
    this.#bySupplier.delete(key);
    renders.unshift(render);
    renders.length = Math.min(renders.length, this.#perSupplier);
    this.#bySupplier.set(key, renders);
    while (this.#bySupplier.size > this.#maxSuppliers) {
      const oldest = this.#bySupplier.keys().next().value;
      if (oldest === undefined) break;
      this.#bySupplier.delete(oldest);
    }
  }

  /** Every kept render, newest first. */
  list(): ImageAuditRender[] {
    return [...this.#bySupplier.values()].flat().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
