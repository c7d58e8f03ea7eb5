import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The speech the benchmarks use: `../shared/audio` beside the repository (jfk.wav, librivox/). */
export const SHARED_AUDIO = join(fileURLToPath(new URL('..', import.meta.url)), '../shared/audio')
