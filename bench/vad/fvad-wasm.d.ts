// @echogarden/fvad-wasm (libfvad, the WebRTC VAD, built with emscripten) ships no type declarations.
declare module '@echogarden/fvad-wasm' {
  export interface FvadModule {
    /** Re-read on every use: the views are replaced whenever the WASM memory grows. */
    HEAP16: Int16Array
    _malloc (bytes: number): number
    _free (pointer: number): void
    _fvad_new (): number
    _fvad_free (handle: number): void
    _fvad_reset (handle: number): void
    /** 0 on success, -1 for a mode outside 0..3. */
    _fvad_set_mode (handle: number, mode: number): number
    /** 0 on success, -1 unless 8000, 16000, 32000 or 48000. */
    _fvad_set_sample_rate (handle: number, rate: number): number
    /** 1 speech, 0 not, -1 for a frame length other than 10/20/30 ms. */
    _fvad_process (handle: number, frame: number, samples: number): number
  }
  export default function fvad (moduleArg?: Record<string, unknown>): Promise<FvadModule>
}
