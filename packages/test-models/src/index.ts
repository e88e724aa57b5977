export {
  type EnsureTestImageModelParameters,
  type EnsureTestImageModelReturnType,
  ensureTestImageModel,
} from "./ensureTestImageModel.ts";
export {
  encodeGgmlTensor,
  float16Bits,
  type GgmlTensorType,
  ggmlTypeIds,
  q8BlockSize,
} from "./gguf/encodeGgmlTensor.ts";
export { type EncodeGgufParameters, encodeGguf, type GgufTensor, type GgufValue } from "./gguf/encodeGguf.ts";
export {
  type EncodeOnnxModelParameters,
  encodeOnnxModel,
  type OnnxAttributeValue,
  type OnnxInitializer,
  type OnnxNode,
  type OnnxValueInfo,
} from "./image/encodeOnnxModel.ts";
export {
  encodeTestImageModelParts,
  type TestImageModelParts,
  testImageModelShape,
  testImageModelTensorNames,
} from "./image/encodeTestImageModelParts.ts";
export {
  testImageModelFiles,
  testImageModelManifest,
  testImageModelName,
} from "./image/testImageModelManifest.ts";
export {
  type TestModelVocabulary,
  testModelControlTokens,
  testModelTokenIds,
  testModelVocabulary,
  tokenTypes,
} from "./testModelVocabulary.ts";
export {
  encodeTestImageModel,
  type TestImageModelFileContents,
  type TestImageModelParameters,
  type WriteTestImageModelParameters,
  type WriteTestImageModelReturnType,
  writeTestImageModel,
} from "./writeTestImageModel.ts";
export {
  type EnsureTestModelParameters,
  encodeTestModelGguf,
  ensureTestModel,
  type TestModelParameters,
  type TestModelPreset,
  testModelChatTemplate,
  testModelName,
  testModelPresets,
  type WriteTestModelGgufParameters,
  type WriteTestModelGgufReturnType,
  writeTestModelGguf,
} from "./writeTestModelGguf.ts";
