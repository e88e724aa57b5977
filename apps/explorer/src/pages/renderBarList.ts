import { type Html, html } from "./html.ts";
import { type Bar, renderBarChart } from "./renderBarChart.ts";

export type RenderBarListParameters = {
  title: string;
  testId: string;
  bars: readonly (Bar & { href?: string })[];
  /** @default 640 */
  width?: number;
  /** A CSS colour. @default "var(--accent-2)" */
  color?: string;
};

/**
 * A horizontal bar chart as inline SVG (one row per entry, label left, value right): for shares among a
 * few named things, e.g. stake per supplier.
 *
 * @example
 * ```ts
 * renderBarList({ title: "Stake per supplier", testId: "chart-stake", bars: [{ label: "0x7099…79C8", value: 2000n, display: "2000 AVY" }] });
 * ```
 */
export function renderBarList(parameters: RenderBarListParameters): Html {
  const { title, testId, bars, width = 640, color = "var(--accent-2)" } = parameters;
  if (bars.length === 0) return renderBarChart({ title, testId, bars: [], width, height: 120 });
  const rowHeight = 26;
  const labelWidth = 150;
  const valueWidth = 170;
  const height = bars.length * rowHeight + 8;
  const plotWidth = width - labelWidth - valueWidth;
  const max = bars.reduce((highest, bar) => (bar.value > highest ? bar.value : highest), 0n);
  return html`<figure class="chart" data-testid="${testId}">
  <figcaption>${title}</figcaption>
  <svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${title}">
    ${bars.map((bar, index) => {
      const y = 4 + index * rowHeight;
      const barWidth = max === 0n ? 0 : (Number((bar.value * 10_000n) / max) / 10_000) * plotWidth;
      const label = html`<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end" class="chart-label mono">${bar.label}</text>`;
      return html`<g class="bar" data-testid="${testId}-bar" data-label="${bar.label}" data-value="${bar.value.toString()}">
      <title>${bar.label}: ${bar.display}</title>
      ${bar.href ? html`<a href="${bar.href}">${label}</a>` : label}
      <rect x="${labelWidth}" y="${y + 4}" width="${Math.max(barWidth, bar.value > 0n ? 1 : 0).toFixed(1)}" height="${rowHeight - 8}" rx="2" fill="${color}"></rect>
      <text x="${(labelWidth + barWidth + 6).toFixed(1)}" y="${y + 17}" class="chart-value">${bar.display}</text>
    </g>`;
    })}
  </svg>
</figure>`;
}
