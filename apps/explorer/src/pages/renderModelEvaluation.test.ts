import { describe, expect, it } from "vitest";
import { renderModelEvaluation } from "./renderModelEvaluation.ts";

const hostile = `"><script>alert(1)</script>`;

describe("renderModelEvaluation", () => {
  it("shows each supplier's score, pass rate, items and time, escaping what the gateway sent", async () => {
    const rendered = (
      await renderModelEvaluation({
        evaluation: {
          gateway: `http://127.0.0.1:1/${hostile}`,
          gatewayAddress: null,
          evaluationSet: hostile,
          suppliers: [
            {
              rank: 1,
              address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
              score: 97.25,
              passRate: 0.5,
              items: 12,
              updatedAt: hostile,
              staked: true,
            },
            {
              rank: 2,
              address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
              score: 10,
              passRate: null,
              items: null,
              updatedAt: null,
              staked: false,
            },
          ],
        },
        testId: "model-evaluation",
      })
    ).toString();
    expect(rendered).not.toContain("<script>");
    expect(rendered).toContain('Evaluation on <span data-testid="evaluation-set">&quot;&gt;&lt;script&gt;');
    expect(rendered.match(/data-testid="model-evaluation-row"/g)).toHaveLength(2);
    expect(rendered).toContain('data-testid="evaluation-score">97.3</td>');
    expect(rendered).toContain('data-testid="evaluation-pass-rate">50.0%</td>');
    expect(rendered).toContain('data-testid="evaluation-items">12</td>');
    expect(rendered).toContain('href="/suppliers/0x70997970C51812dc3A010C7d01b50e0d17dc79C8"');
    // Not staked: no page to link to; unknown numbers as "—".
    expect(rendered).not.toContain('href="/suppliers/0x3C44');
    expect(rendered).toContain('data-testid="evaluation-pass-rate">—</td>');
  });
});
