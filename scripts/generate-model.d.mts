// Types for generate-model.mjs, so TypeScript tests can import it.
export type Arch = 'tiny.en' | 'tiny' | 'base.en' | 'base' | 'small-test'

export type WeightType = 'f16' | 'q8_0' | 'q5_0' | 'q5_1'
export const WEIGHT_TYPES: Record<WeightType, { ttype: number, ftype: number, block: number, bytes: number }>
export const ARCHS: Record<Arch, { nVocab: number, state: number, head: number, layer: number }>
export const DEFAULT_PHRASE: string
export function phraseTokens (phrase: string): string[]
export function generateModel (out: string, opts?: { arch?: Arch, phrase?: string, seed?: number, type?: WeightType }): {
  path: string
  bytes: number
  /** The scripted tokens, e.g. [' Hello', ' world', ',', ...]. */
  tokens: string[]
  /** What the model transcribes every 30 s window as. */
  text: string
}
