// The pure pieces of the covert audits (protocol.md §8–§9): thresholds, per-position scoring, verdicts,
// billing bounds, the two-sample and sequential tests, audit scheduling maths and the prompt pool.
export * from "./auditPromptPool.ts";
export * from "./auditRate.ts";
export * from "./auditThresholds.ts";
export * from "./errors.ts";
export * from "./evaluationSet.ts";
export * from "./findRepeatedPhrase.ts";
export * from "./judgeAudit.ts";
export * from "./judgeBilling.ts";
export * from "./logStandardNormalCdf.ts";
export * from "./mannWhitneyU.ts";
export * from "./nextAuditDelay.ts";
export * from "./outputTokenBound.ts";
export * from "./replaySampledToken.ts";
export * from "./requestLogprobs.ts";
export * from "./scoreAuditPosition.ts";
export * from "./standardNormalCdf.ts";
export * from "./tokenPieceIndex.ts";
export * from "./types.ts";
export * from "./updateSequentialTest.ts";
export * from "./weighAuditEvidence.ts";
