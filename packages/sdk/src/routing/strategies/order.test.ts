import { describe, expect, it } from "vitest";
import {
  describeStrategyConformance,
  testAddress,
  testCandidate,
} from "../../../test/routing/routing.conformance.ts";
import { rankByOrder } from "./order.ts";

describeStrategyConformance("order", {
  type: "order",
  order: [testAddress(3), "https://supplier-5.example"],
});
describeStrategyConformance("order (empty)", { type: "order", order: [] });

const context = { now: 0, random: () => 0, expectedUsage: { inputTokens: 1n, outputTokens: 1n } };

describe("rankByOrder", () => {
  it("test_rank_listedFirstInOrder_restByScore", () => {
    const [one, two, three, four] = [1, 2, 3, 4].map((index) =>
      testCandidate(index, { stats: { reputation: 60 + index * 10 } }),
    ) as [
      ReturnType<typeof testCandidate>,
      ReturnType<typeof testCandidate>,
      ReturnType<typeof testCandidate>,
      ReturnType<typeof testCandidate>,
    ];
    const ranked = rankByOrder([one, two, three, four], context, [
      "https://SUPPLIER-2.example/",
      testAddress(1).toUpperCase().replace("0X", "0x"),
    ]);
    expect(ranked).toEqual([two, one, four, three]);
  });
});
