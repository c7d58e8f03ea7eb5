/** Signal helpers shared by the audio tests. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { AppError } from '../../src/errors.ts'

export const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url)))

export function sine (freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin(2 * Math.PI * freq * i / rate))
}

/** Sign changes in [from, to): a sine of f Hz has 2*f per second. */
export function zeroCrossings (x: Float32Array, from = 0, to = x.length): number {
  let n = 0
  for (let i = from + 1; i < to; i++) if ((x[i - 1]! < 0) !== (x[i]! < 0)) n++
  return n
}

export function rms (x: Float32Array, from = 0, to = x.length): number {
  let s = 0
  for (let i = from; i < to; i++) s += x[i]! * x[i]!
  return Math.sqrt(s / Math.max(1, to - from))
}

export function maxAbsDiff (a: Float32Array, b: Float32Array, from = 0, to = Math.min(a.length, b.length)): number {
  let m = 0
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

export const near = (actual: number, expected: number, relTol: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * relTol, `${what}: ${actual} not within ${relTol * 100}% of ${expected}`)
}

/** Deterministic PRNG (mulberry32) so fuzz failures reproduce. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Asserts an AppError with the given status (and message pattern). */
export function isAppError (status: number, message?: RegExp | string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`)
    assert.equal(err.statusCode, status, `status of "${err.message}"`)
    if (typeof message === 'string') assert.equal(err.message, message)
    else if (message !== undefined) assert.match(err.message, message)
    return true
  }
}

export const UNDECODABLE = 'failed to process audio: corrupt or unsupported data'
