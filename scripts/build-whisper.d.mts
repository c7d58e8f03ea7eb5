// Types for build-whisper.mjs (the flag choice is unit-tested).
export const ADDON: string
export const STAMP: string
export const SMOKE_TYPES: string[]
export const PORTABLE_FLAGS: string
export function cpuFlags (): string[]
/** CFLAGS for the given /proc/cpuinfo flags (EARSHOT_WHISPER_CFLAGS overrides; AMX only with EARSHOT_WHISPER_AMX=1). */
export function chooseFlags (flags?: string[], arch?: string): string
/** Flag sets tried in order when a smoke run fails: chosen, portable x86-64-v3, baseline. */
export function flagCandidates (flags?: string[], arch?: string): string[]
