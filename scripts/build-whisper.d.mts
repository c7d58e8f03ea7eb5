// Types for build-whisper.mjs (the flag choice is unit-tested).
export function cpuFlags (): string[]
/** CFLAGS for the given /proc/cpuinfo flags (EARSHOT_WHISPER_CFLAGS overrides). */
export function chooseFlags (flags?: string[], arch?: string): string
