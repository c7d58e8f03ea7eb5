/**
 * The live VAD earshot used before Silero, kept for bench/vad's comparison only (devDependency): voice activity
 * per 20 ms frame from the WebRTC VAD (libfvad compiled to WASM), gated by an energy floor.
 *
 * bench/vad measured it calling 27–30 % of white and pink noise at 10 dB SNR speech, which is why it was replaced.
 *
 * One WASM instance serves the whole process (each detector is a small handle inside it); it is single-threaded
 * and every call is synchronous, so detectors of many sessions interleave safely on the event loop.
 */
import fvad, { type FvadModule } from '@echogarden/fvad-wasm'
import { SAMPLE_RATE } from '../../src/audio/pcm.ts'
import { VAD_FRAME_SAMPLES } from '../../src/live/tuning.ts'

/** libfvad aggressiveness 0-3; 3 flags the fewest noise frames as speech, which is what endpointing needs. */
const VAD_MODE = 3
/** Frames quieter than this (dBFS) are silence whatever the VAD says: digital silence and a quiet room. */
const VAD_ENERGY_FLOOR_DB = -55
/** libfvad calls its first frames speech while its noise model settles: they are ignored (audio is kept). */
const VAD_WARMUP_FRAMES = 5

let loading: Promise<FvadModule> | undefined

/** Loads the WASM module once (a few ms); later calls share it. */
export function loadVoiceDetector (): Promise<FvadModule> {
  loading ??= fvad().catch((err: unknown) => {
    loading = undefined
    throw err
  })
  return loading
}

const energyFloor = 10 ** (VAD_ENERGY_FLOOR_DB / 10)

/** Speech/non-speech decisions for one 16 kHz mono stream, one per VAD_FRAME_SAMPLES samples, in order. */
export class VoiceDetector {
  private handle: number
  private readonly frame: number
  private readonly partial = new Float32Array(VAD_FRAME_SAMPLES)
  private partialLength = 0
  private frames = 0

  private readonly vad: FvadModule
  constructor (vad: FvadModule) {
    this.vad = vad
    this.handle = vad._fvad_new()
    if (this.handle === 0) throw new Error('fvad_new failed')
    this.frame = vad._malloc(VAD_FRAME_SAMPLES * 2)
    if (vad._fvad_set_mode(this.handle, VAD_MODE) !== 0 || vad._fvad_set_sample_rate(this.handle, SAMPLE_RATE) !== 0) {
      this.free()
      throw new Error('fvad configuration refused')
    }
  }

  /** Feeds samples; `onFrame` runs once per completed frame. A trailing partial frame waits for the next call. */
  push (samples: Float32Array, onFrame: (speech: boolean) => void): void {
    let offset = 0
    while (offset < samples.length) {
      const take = Math.min(VAD_FRAME_SAMPLES - this.partialLength, samples.length - offset)
      this.partial.set(samples.subarray(offset, offset + take), this.partialLength)
      this.partialLength += take
      offset += take
      if (this.partialLength === VAD_FRAME_SAMPLES) {
        this.partialLength = 0
        onFrame(this.classify(this.partial))
      }
    }
  }

  /** Releases the WASM memory. Idempotent. */
  free (): void {
    if (this.handle === 0) return
    this.vad._fvad_free(this.handle)
    this.vad._free(this.frame)
    this.handle = 0
  }

  private classify (frame: Float32Array): boolean {
    if (this.handle === 0) return false
    const heap = this.vad.HEAP16
    const base = this.frame >> 1
    let energy = 0
    for (let i = 0; i < frame.length; i++) {
      const x = Math.max(-1, Math.min(1, frame[i] as number))
      energy += x * x
      heap[base + i] = Math.round(x * 32767)
    }
    // Always run the VAD, even when the answer is already known: its noise model must see the quiet frames too.
    const voiced = this.vad._fvad_process(this.handle, this.frame, VAD_FRAME_SAMPLES) === 1
    this.frames++
    if (this.frames <= VAD_WARMUP_FRAMES) return false
    return voiced && energy / frame.length >= energyFloor
  }
}
