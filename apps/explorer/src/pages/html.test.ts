import { describe, expect, it } from "vitest";
import { formatAvy, formatAvyShort, formatBps, formatMeasure, formatShort, formatWad, html } from "./html.ts";
import { renderBarChart } from "./renderBarChart.ts";
import { renderEvaluationCells } from "./renderEvaluationCells.ts";

const text = async (value: ReturnType<typeof html>) => (await value).toString();

describe("page building blocks", () => {
  it("escapes every interpolated string, in text and attributes", async () => {
    const hostile = `"><script>alert(1)</script>`;
    const rendered = await text(html`<a title="${hostile}">${hostile}</a>${formatShort(hostile)}`);
    expect(rendered).not.toContain("<script>");
    expect(rendered).toContain("&lt;script&gt;");
    expect(rendered).toContain("&quot;&gt;");
  });

  it("formats AVY with every decimal and the wei in the title", async () => {
    expect(await text(formatAvy(1_500_000_000_000_000_001n, "paid"))).toBe(
      '<span class="amount" data-testid="paid" data-wei="1500000000000000001" title="1500000000000000001 wei">1.500000000000000001 AVY</span>',
    );
    expect(await text(formatAvy(null))).toContain("—");
    expect(formatAvyShort(1_234_567_800_000_000_000n)).toBe("1.2345");
    expect(formatAvyShort(10n)).toBe("<0.0001");
    expect(formatAvyShort(0n)).toBe("0");
  });

  it("formats measurements, shares and probabilities", () => {
    expect(formatMeasure(182.4, "ms")).toBe("182 ms");
    expect(formatMeasure(null, "ms")).toBe("—");
    expect(formatBps(1000)).toBe("10%");
    expect(formatBps(125)).toBe("1.25%");
    expect(formatWad(250_000_000_000_000_000n)).toBe("25%");
  });

  it("renders evaluation columns when present and dashes when not", async () => {
    const cells = await text(
      renderEvaluationCells({
        availability: 0.995,
        ttftMs: { p50: 120, p90: 300, p99: null },
        tokensPerSecond: { p50: 40, p90: 35.5 },
        audits: 12,
        auditPassRate: 1,
        billingAccuracy: null,
        flagged: true,
      }),
    );
    expect(cells).toContain("99.5%");
    expect(cells).toContain("120 / 300 / — ms");
    expect(cells).toContain("40.0 / 35.5");
    expect(cells).toContain("flagged");
    const empty = await text(renderEvaluationCells(null));
    expect(empty.match(/—/g)).toHaveLength(7);
  });

  it("draws one bar per entry scaled to the largest, and a placeholder when empty", async () => {
    const chart = await text(
      renderBarChart({
        title: "Relays",
        testId: "chart",
        height: 220,
        bars: [
          { label: "1", value: 10n, display: "10" },
          { label: "2", value: 20n, display: "20" },
        ],
      }),
    );
    const heights = [...chart.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]).toBeCloseTo((heights[0] ?? 0) * 2, 1);
    expect(await text(renderBarChart({ title: "Relays", testId: "chart", bars: [] }))).toContain(
      "No data yet",
    );
  });
});
