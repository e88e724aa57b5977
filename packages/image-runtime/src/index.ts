export { type DecodePngReturnType, decodePng } from "./decodePng.ts";
export {
  ImagePipelineClosedError,
  ImagePipelineManifestInvalidError,
  ImagePipelineManifestMissingError,
  ImagePipelineOptionsInvalidError,
  ImagePipelinePartDigestMismatchError,
  ImagePipelinePartInvalidError,
  ImagePipelinePartMissingError,
  ImagePipelineTokenizerInvalidError,
  ImageRenderFailedError,
  ImageRenderInvalidError,
  type ImageRenderParameterName,
  ImageRuntimeError,
} from "./errors.ts";
export type {
  ImagePipeline,
  ImagePipelineLimits,
  RenderedImages,
  RenderImagesParameters,
} from "./ImagePipeline.ts";
export { type LoadImagePipelineOptions, loadImagePipeline } from "./loadImagePipeline.ts";
export {
  type ImagePipelineManifest,
  type ImagePipelineManifestInput,
  imagePipelineManifestSchema,
} from "./manifest/imagePipelineManifestSchema.ts";
export {
  imagePipelineManifestFileName,
  type ReadImagePipelineManifestReturnType,
  readImagePipelineManifest,
} from "./manifest/readImagePipelineManifest.ts";
export { createSeededRandom, hashName, type SeededRandom } from "./random/createSeededRandom.ts";
export { eulerDiscreteFromDiffusersConfig } from "./scheduler/eulerDiscreteFromDiffusersConfig.ts";
export { type EulerDiscreteSchedule, eulerDiscreteSchedule } from "./scheduler/eulerDiscreteSchedule.ts";
export {
  bytesToUnicode,
  type CreateClipBpeTokenizerParameters,
  createClipBpeTokenizer,
  type PromptTokenizer,
} from "./tokenizer/createClipBpeTokenizer.ts";
export { loadPromptTokenizer } from "./tokenizer/loadPromptTokenizer.ts";
export { tokenizePrompt } from "./tokenizer/tokenizePrompt.ts";
export { validateRenderParameters } from "./validateRenderParameters.ts";
export { writeFileAtomically } from "./writeFileAtomically.ts";
export {
  stableDiffusionOnnxLayout,
  type WriteStableDiffusionOnnxManifestParameters,
  type WriteStableDiffusionOnnxManifestReturnType,
  writeStableDiffusionOnnxManifest,
} from "./writeStableDiffusionOnnxManifest.ts";
