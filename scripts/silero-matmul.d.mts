// Types for silero-matmul.mjs (Silero's 16 kHz ONNX model → the checked-in flat graph of batched MatMuls).
/** The checked-in graph the server loads. */
export const GRAPH_PATH: string
/** The pinned source of the weights: package, version, file and its SHA-256. */
export const SOURCE: { package: string, version: string, file: string, sha256: string }
export function sha256 (bytes: Uint8Array): string
/** The package's Silero ONNX file (throws unless the installed package is the pinned version). */
export function sourceOnnxPath (): string
/** The package's Silero ONNX bytes (throws unless their SHA-256 is the pinned one). */
export function readSourceOnnx (path?: string): Uint8Array
/** The flat MatMul graph (ONNX bytes) for the given Silero ONNX bytes. */
export function sileroMatmulOnnx (onnxBytes: Uint8Array): Uint8Array
