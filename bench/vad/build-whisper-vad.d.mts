// Types for build-whisper-vad.mjs (whisper.cpp's Silero VAD as a measurement program).
export function whisperTree (): string
/** Builds (or reuses) bench/vad/whisper-vad-probs.cc; resolves to the program's path. */
export function buildWhisperVad (options?: { outDir?: string, log?: (message: string) => void }): Promise<string>
