/**
 * The HTML building blocks every page shares: hono's escaping `html` template (every interpolated string is
 * escaped; nested templates are not escaped twice) and the small formatters for amounts, addresses and
 * measurements. Kept in one module because each is a line or two and they are always used together.
 * @module
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { formatUnits } from "viem";

export { html, raw };

/** What a page fragment renders to. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * An amount of AVY (18 decimals, every digit kept) with the exact wei in its title.
 *
 * @example
 * ```ts
 * formatAvy(1500000000000000000n, "overview-tokens-paid"); // <span … title="1500000000000000000 wei">1.5 AVY</span>
 * ```
 */
export function formatAvy(wei: bigint | null | undefined, testId?: string): Html {
  if (wei === null || wei === undefined) return html`<span class="muted" data-testid="${testId}">—</span>`;
  return html`<span class="amount" data-testid="${testId}" data-wei="${wei.toString()}" title="${wei.toString()} wei">${formatUnits(wei, 18)} AVY</span>`;
}

/**
 * An amount of AVY for a chart label: at most 4 decimals (`<0.0001` for less), no unit.
 *
 * @example
 * ```ts
 * formatAvyShort(1234567800000000000n); // "1.2345"
 * ```
 */
export function formatAvyShort(wei: bigint): string {
  const [whole = "0", fraction = ""] = formatUnits(wei, 18).split(".");
  const trimmed = fraction.slice(0, 4).replace(/0+$/, "");
  if (whole === "0" && !trimmed && wei > 0n) return "<0.0001";
  return trimmed ? `${whole}.${trimmed}` : whole;
}

/**
 * A price in token wei per token, shown per million tokens.
 *
 * @example
 * ```ts
 * formatPrice(10n ** 12n); // 1 AVY / 1M tokens
 * ```
 */
export function formatPrice(weiPerToken: bigint, testId?: string): Html {
  return html`<span class="amount" data-testid="${testId}" data-wei="${weiPerToken.toString()}" title="${weiPerToken.toString()} wei per token">${formatUnits(weiPerToken * 1_000_000n, 18)} AVY / 1M tokens</span>`;
}

/**
 * An image model's price: token wei per image·step (an image of `steps` steps costs steps × it), in AVY per
 * 1K image·steps, with the wei in its title.
 *
 * @example
 * ```ts
 * formatImagePrice(10n ** 12n); // 0.001 AVY / 1K image·steps
 * ```
 */
export function formatImagePrice(weiPerImageStep: bigint, testId?: string): Html {
  return html`<span class="amount" data-testid="${testId}" data-wei="${weiPerImageStep.toString()}" title="${weiPerImageStep.toString()} wei per image·step">${formatUnits(weiPerImageStep * 1_000n, 18)} AVY / 1K image·steps</span>`;
}

/**
 * An address or hash, shortened (`0x1234…abcd`) with the whole value in its title; `href` makes it a link.
 *
 * @example
 * ```ts
 * formatShort("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "/suppliers/0x7099…");
 * ```
 */
export function formatShort(value: string, href?: string, testId?: string): Html {
  const short = value.length > 14 ? `${value.slice(0, 8)}…${value.slice(-6)}` : value;
  return href
    ? html`<a class="mono" href="${href}" title="${value}" data-testid="${testId}" data-value="${value}">${short}</a>`
    : html`<span class="mono" title="${value}" data-testid="${testId}" data-value="${value}">${short}</span>`;
}

/**
 * A measurement: `—` when not measured (null), else the number with its unit.
 *
 * @param digits - decimals shown. @default 0
 * @example
 * ```ts
 * formatMeasure(182.4, "ms"); // "182 ms"
 * formatMeasure(null, "ms"); // "—"
 * ```
 */
export function formatMeasure(value: number | null | undefined, unit = "", digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return `${value.toFixed(digits)}${unit ? (unit === "%" ? unit : ` ${unit}`) : ""}`;
}

/**
 * A share of one (0..1) as a percentage; `—` when null.
 *
 * @example
 * ```ts
 * formatRatio(0.125); // "12.5%"
 * ```
 */
export function formatRatio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return `${(value * 100).toFixed(1)}%`;
}

/**
 * Basis points as a percentage.
 *
 * @example
 * ```ts
 * formatBps(1000); // "10%"
 * ```
 */
export function formatBps(bps: number): string {
  return `${(bps / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

/**
 * A wad (1e18 = 1) probability as a percentage.
 *
 * @example
 * ```ts
 * formatWad(250000000000000000n); // "25%"
 * ```
 */
export function formatWad(wad: bigint | null | undefined): string {
  if (wad === null || wad === undefined) return "—";
  return `${(Number((wad * 1_000_000n) / 10n ** 18n) / 10_000).toString()}%`;
}
