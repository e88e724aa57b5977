import { type GgmlTensorType, ggmlTypeIds } from "./encodeGgmlTensor.ts";

/** A typed GGUF metadata value. Arrays hold one element type. */
export type GgufValue =
  | { type: "uint32"; value: number }
  | { type: "int32"; value: number }
  | { type: "float32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "array"; itemType: "string"; value: readonly string[] }
  | { type: "array"; itemType: "float32" | "int32"; value: readonly number[] };

/** One tensor: its name, ggml dimensions (first = fastest varying), type and already-encoded bytes. */
export type GgufTensor = {
  name: string;
  dimensions: readonly number[];
  type: GgmlTensorType;
  data: Uint8Array;
};

export type EncodeGgufParameters = {
  /** Metadata in file order. `general.alignment` is written from `alignment`; do not repeat it here. */
  metadata: ReadonlyArray<readonly [key: string, value: GgufValue]>;
  tensors: readonly GgufTensor[];
  /** Alignment of the data section and of every tensor in it. Default 32 (GGUF's default). */
  alignment?: number;
};

const valueTypeIds = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10 } as const;

/**
 * Serializes a GGUF v3 file: header, metadata, tensor infos, padding, then the tensor data, each tensor
 * aligned. Pure and deterministic: the same input gives the same bytes.
 *
 * @param parameters - metadata, tensors and alignment (default 32).
 * @returns the file's bytes.
 * @example
 * ```ts
 * const bytes = encodeGguf({
 *   metadata: [["general.architecture", { type: "string", value: "llama" }]],
 *   tensors: [{ name: "output_norm.weight", dimensions: [4], type: "f32", data: new Uint8Array(16) }],
 * });
 * ```
 */
export function encodeGguf({ metadata, tensors, alignment = 32 }: EncodeGgufParameters): Uint8Array {
  const head = new ByteWriter();
  head.bytes(new TextEncoder().encode("GGUF"));
  head.uint32(3);
  head.uint64(tensors.length);
  head.uint64(metadata.length + 1);
  writeKeyValue(head, "general.alignment", { type: "uint32", value: alignment });
  for (const [key, value] of metadata) writeKeyValue(head, key, value);

  let offset = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    offsets.push(offset);
    offset = alignUp(offset + tensor.data.length, alignment);
  }
  tensors.forEach((tensor, index) => {
    head.string(tensor.name);
    head.uint32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) head.uint64(dimension);
    head.uint32(ggmlTypeIds[tensor.type]);
    head.uint64(offsets[index] as number);
  });

  const headBytes = head.finish();
  const dataStart = alignUp(headBytes.length, alignment);
  const out = new Uint8Array(dataStart + offset);
  out.set(headBytes, 0);
  tensors.forEach((tensor, index) => {
    out.set(tensor.data, dataStart + (offsets[index] as number));
  });
  return out;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function writeKeyValue(writer: ByteWriter, key: string, value: GgufValue): void {
  writer.string(key);
  writer.uint32(valueTypeIds[value.type]);
  if (value.type === "array") {
    writer.uint32(valueTypeIds[value.itemType]);
    writer.uint64(value.value.length);
    for (const item of value.value) writeScalar(writer, { type: value.itemType, value: item } as GgufValue);
    return;
  }
  writeScalar(writer, value);
}

function writeScalar(writer: ByteWriter, value: GgufValue): void {
  switch (value.type) {
    case "uint32":
      writer.uint32(value.value);
      break;
    case "int32":
      writer.int32(value.value);
      break;
    case "float32":
      writer.float32(value.value);
      break;
    case "bool":
      writer.uint8(value.value ? 1 : 0);
      break;
    case "string":
      writer.string(value.value);
      break;
    case "array":
      throw new TypeError("nested GGUF arrays are not supported");
  }
}

/** A growable little-endian byte buffer. */
class ByteWriter {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  private length = 0;
  private static readonly encoder = new TextEncoder();

  private reserve(count: number): number {
    if (this.length + count > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + count));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += count;
    return at;
  }
  uint8(value: number): void {
    this.view.setUint8(this.reserve(1), value);
  }
  uint32(value: number): void {
    this.view.setUint32(this.reserve(4), value, true);
  }
  int32(value: number): void {
    this.view.setInt32(this.reserve(4), value, true);
  }
  float32(value: number): void {
    this.view.setFloat32(this.reserve(4), value, true);
  }
  uint64(value: number): void {
    this.view.setBigUint64(this.reserve(8), BigInt(value), true);
  }
  bytes(value: Uint8Array): void {
    this.buffer.set(value, this.reserve(value.length));
  }
  string(value: string): void {
    const encoded = ByteWriter.encoder.encode(value);
    this.uint64(encoded.length);
    this.bytes(encoded);
  }
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
