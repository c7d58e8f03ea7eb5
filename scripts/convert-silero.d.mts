// Types for convert-silero.mjs (ONNX Silero weights → whisper.cpp's ggml Silero format).
export const DEFAULT_VERSION: string
export const DEFAULT_OUTPUT: string
export function defaultOnnxPath (): string
/** float32 → IEEE half bits, round to nearest even. */
export function f16Bits (value: number): number
/** whisper.cpp's ggml Silero file for the given ONNX bytes. */
export function convertSileroOnnx (onnxBytes: Uint8Array, options?: { version?: string }): Buffer
