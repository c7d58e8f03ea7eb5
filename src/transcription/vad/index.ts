/**
 * Voice activity detection: Silero (ONNX Runtime, in a worker) gives per-frame speech probabilities; speech
 * regions, decode windows of at most 30 s and the time map back to the original audio come from them.
 * No fastify, no engine: the pre-recorded pipeline, live streaming, the CLI and bench/vad share it.
 */
export * from './settings.ts'
export * from './regions.ts'
export * from './level-gate.ts'
export * from './time-map.ts'
export * from './windows.ts'
export * from './stream.ts'
export { SileroVad, SileroStream } from './silero.ts'
