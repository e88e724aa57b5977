import { type Html, html } from "./html.ts";

export type Bar = {
  /** Under the bar (e.g. the session number). */
  label: string;
  value: bigint;
  /** The value as shown in the bar's tooltip and above it. */
  display: string;
};

export type RenderBarChartParameters = {
  title: string;
  testId: string;
  bars: readonly Bar[];
  /** @default 640 */
  width?: number;
  /** @default 220 */
  height?: number;
  /** A CSS colour. @default "var(--accent)" */
  color?: string;
};

/**
 * A vertical bar chart as inline SVG, rendered on the server (no script). Every bar carries a tooltip;
 * with few bars the values are printed above them. Empty: a "no data yet" placeholder.
 *
 * @example
 * ```ts
 * renderBarChart({ title: "Relays per session", testId: "chart-relays", bars: [{ label: "12", value: 24n, display: "24" }] });
 * ```
 */
export function renderBarChart(parameters: RenderBarChartParameters): Html {
  const { title, testId, bars, width = 640, height = 220, color = "var(--accent)" } = parameters;
  const top = 24;
  const bottom = 28;
  const left = 8;
  const plotHeight = height - top - bottom;
  const max = bars.reduce((highest, bar) => (bar.value > highest ? bar.value : highest), 0n);
  const slot = bars.length > 0 ? (width - left * 2) / bars.length : 0;
  const barWidth = Math.max(2, Math.min(48, slot * 0.7));
  const showValues = bars.length <= 12;
  const labelEvery = Math.max(1, Math.ceil(bars.length / 12));
  return html`<figure class="chart" data-testid="${testId}">
  <figcaption>${title}</figcaption>
  <svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${title}" preserveAspectRatio="xMidYMid meet">
    <line x1="${left}" y1="${top + plotHeight}" x2="${width - left}" y2="${top + plotHeight}" class="axis"></line>
    ${
      bars.length === 0
        ? html`<text x="${width / 2}" y="${top + plotHeight / 2}" text-anchor="middle" class="chart-empty">No data yet</text>`
        : bars.map((bar, index) => {
            const barHeight = max === 0n ? 0 : (Number((bar.value * 10_000n) / max) / 10_000) * plotHeight;
            const x = left + slot * index + (slot - barWidth) / 2;
            const y = top + plotHeight - barHeight;
            const center = x + barWidth / 2;
            return html`<g class="bar" data-testid="${testId}-bar" data-label="${bar.label}" data-value="${bar.value.toString()}">
      <title>${bar.label}: ${bar.display}</title>
      <rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(barHeight, bar.value > 0n ? 1 : 0).toFixed(1)}" rx="2" fill="${color}"></rect>
      ${showValues ? html`<text x="${center.toFixed(1)}" y="${(y - 6).toFixed(1)}" text-anchor="middle" class="chart-value">${bar.display}</text>` : ""}
      ${index % labelEvery === 0 ? html`<text x="${center.toFixed(1)}" y="${height - 10}" text-anchor="middle" class="chart-label">${bar.label}</text>` : ""}
    </g>`;
          })
    }
  </svg>
</figure>`;
}
