import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** An attribute value: numbers are written as INT when integral and the name is not in `floatAttributes`. */
export type OnnxAttributeValue = number | string | number[];

export type OnnxNode = {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, OnnxAttributeValue>;
  /** Attribute names whose numbers are FLOAT(S) rather than INT(S). */
  floatAttributes?: string[];
};

export type OnnxInitializer =
  | {
      name: string;
      type: "float32";
      dimensions: number[];
      values: Float32Array;
      /** Stored in an external data file at this byte offset instead of inline (see `externalDataFile`). */
      externalOffset?: number;
    }
  | { name: string; type: "int64"; dimensions: number[]; values: number[] };

/** A graph input or output: `dimensions` entries are fixed sizes or symbolic names (dynamic axes). */
export type OnnxValueInfo = {
  name: string;
  type: "float32" | "int64" | "int32";
  dimensions: Array<number | string>;
};

export type EncodeOnnxModelParameters = {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  docString?: string;
  /** The external data file's name (beside the model) that initializers with `externalOffset` point into. */
  externalDataFile?: string;
};

/** ONNX IR version 8 and opset 15: what onnx-proto's schema (ONNX 1.10) describes and ONNX Runtime 1.22 runs. */
const irVersion = 8;
const opsetVersion = 15;

/**
 * Serializes a small ONNX model (one graph, default domain, opset 15) to protobuf bytes. Tensors are stored as
 * little-endian `raw_data`, fields in a fixed order, so the same graph gives the same bytes.
 *
 * @param parameters - the graph's name, nodes (in topological order), initializers, inputs and outputs.
 * @example
 * ```ts
 * const bytes = encodeOnnxModel({
 *   name: "double",
 *   nodes: [{ opType: "Add", inputs: ["x", "x"], outputs: ["y"] }],
 *   initializers: [],
 *   inputs: [{ name: "x", type: "float32", dimensions: [1] }],
 *   outputs: [{ name: "y", type: "float32", dimensions: [1] }],
 * });
 * ```
 */
export function encodeOnnxModel({
  name,
  nodes,
  initializers,
  inputs,
  outputs,
  docString,
  externalDataFile,
}: EncodeOnnxModelParameters): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion,
    producerName: "aviary-image-runtime",
    producerVersion: "1",
    opsetImport: [{ domain: "", version: opsetVersion }],
    docString: docString ?? "",
    graph: {
      name,
      node: nodes.map((node, index) => ({
        name: `${node.opType.toLowerCase()}_${index}`,
        opType: node.opType,
        input: node.inputs,
        output: node.outputs,
        attribute: Object.entries(node.attributes ?? {}).map(([attributeName, value]) =>
          encodeAttribute(attributeName, value, node.floatAttributes?.includes(attributeName) ?? false),
        ),
      })),
      initializer: initializers.map((initializer) => encodeInitializer(initializer, externalDataFile)),
      input: inputs.map(encodeValueInfo),
      output: outputs.map(encodeValueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function encodeAttribute(
  name: string,
  value: OnnxAttributeValue,
  isFloat: boolean,
): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === "string")
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value))
    return isFloat
      ? { name, type: AttributeType.FLOATS, floats: value }
      : { name, type: AttributeType.INTS, ints: value };
  return isFloat
    ? { name, type: AttributeType.FLOAT, f: value }
    : { name, type: AttributeType.INT, i: value };
}

function encodeInitializer(
  initializer: OnnxInitializer,
  externalDataFile: string | undefined,
): onnxProto.onnx.ITensorProto {
  const { DataType } = onnx.TensorProto;
  // Without an `externalDataFile` an `externalOffset` is ignored and the tensor is stored inline.
  if (initializer.type === "float32" && initializer.externalOffset !== undefined && externalDataFile) {
    return {
      name: initializer.name,
      dims: initializer.dimensions,
      dataType: DataType.FLOAT,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: "location", value: externalDataFile },
        { key: "offset", value: String(initializer.externalOffset) },
        { key: "length", value: String(initializer.values.length * 4) },
      ],
    };
  }
  if (initializer.type === "float32") {
    const raw = new Uint8Array(initializer.values.length * 4);
    const view = new DataView(raw.buffer);
    initializer.values.forEach((value, index) => {
      view.setFloat32(index * 4, value, true);
    });
    return { name: initializer.name, dims: initializer.dimensions, dataType: DataType.FLOAT, rawData: raw };
  }
  const raw = new Uint8Array(initializer.values.length * 8);
  const view = new DataView(raw.buffer);
  initializer.values.forEach((value, index) => {
    view.setBigInt64(index * 8, BigInt(value), true);
  });
  return { name: initializer.name, dims: initializer.dimensions, dataType: DataType.INT64, rawData: raw };
}

function encodeValueInfo({ name, type, dimensions }: OnnxValueInfo): onnxProto.onnx.IValueInfoProto {
  const { DataType } = onnx.TensorProto;
  return {
    name,
    type: {
      tensorType: {
        elemType: type === "float32" ? DataType.FLOAT : type === "int32" ? DataType.INT32 : DataType.INT64,
        shape: {
          dim: dimensions.map((dimension) =>
            typeof dimension === "number" ? { dimValue: dimension } : { dimParam: dimension },
          ),
        },
      },
    },
  };
}
