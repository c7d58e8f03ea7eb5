// Types for silero-matmul.mjs (Silero's 16 kHz ONNX model → a flat graph of batched MatMuls).
/** The flat MatMul graph (ONNX bytes) for the given Silero ONNX bytes; `int8` is a measurement variant. */
export function sileroMatmulOnnx (onnxBytes: Uint8Array, options?: { int8?: boolean }): Uint8Array
