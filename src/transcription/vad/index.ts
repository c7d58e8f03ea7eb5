/**
 * Voice activity detection, engine-independent: per-frame speech probabilities in (from whichever Silero runs
 * them), speech regions, decode windows of at most 30 s and the time map back to the original audio out.
 * No fastify, no engine: the pre-recorded pipeline, live streaming, the CLI and bench/vad share it.
 */
export * from './settings.ts'
export * from './regions.ts'
export * from './time-map.ts'
export * from './windows.ts'
export * from './stream.ts'
export * from './models.ts'
