// @aviary/audit: the gateway's integrity auditing (protocol.md §8–§9), behind the gateway's observer interface.
// `createIntegrityMonitor` is what the composition root passes to `startGateway` when `audit.enabled`; a
// gateway started without it loads none of this (no model runtime).

export { createIntegrityMonitor } from "./createIntegrityMonitor.ts";
export {
  AuditModelNotRegisteredError,
  AuditRelayFailedError,
  ReferenceModelDigestMismatchError,
  ReferenceModelLoadError,
} from "./errors.ts";
export { ImageAuditGallery } from "./ImageAuditGallery.ts";
export {
  type AuditedImageModel,
  type AuditedModel,
  type AuditOutcome,
  type ImageAuditOutcome,
  IntegrityMonitor,
  type IntegrityMonitorParameters,
} from "./IntegrityMonitor.ts";
export { ReferenceModel } from "./ReferenceModel.ts";
export { SequentialEvidence, type SequentialEvidenceStep } from "./SequentialEvidence.ts";
// The pure pieces: thresholds, scoring, verdicts, billing bounds, the sequential and two-sample tests,
// scheduling maths, the prompt pool and the public evaluation set.
export * from "./statistics/index.ts";
