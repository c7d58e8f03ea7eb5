import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, describe, it } from 'node:test'
import { closeAudioDecoder, configureAudioDecoder, decodeAudio, mixToMono } from '../../src/audio/decode.ts'
import { SAMPLE_RATE } from '../../src/audio/pcm.ts'
import { sha256Hex } from '../../src/audio/hash.ts'
import { fixture, isAppError, maxAbsDiff, near, prng, rms, sine, UNDECODABLE, zeroCrossings } from './helpers.ts'

after(closeAudioDecoder)

const CONTAINERS: Array<{ file: string, seconds: number, rate: number, channels?: number }> = [
  { file: 'jfk-8k-u8.wav', seconds: 2, rate: 8000 },
  { file: 'jfk-8k-s16.wav', seconds: 2, rate: 8000 },
  { file: 'jfk-8k-s24.wav', seconds: 2, rate: 8000 },
  { file: 'jfk-8k-s32.wav', seconds: 1.5, rate: 8000 },
  { file: 'jfk-8k-f32.wav', seconds: 1.5, rate: 8000 },
  { file: 'jfk-8k-mulaw.wav', seconds: 2, rate: 8000 },
  { file: 'jfk-8k-alaw.wav', seconds: 2, rate: 8000 },
  { file: 'jfk-16k-s16.wav', seconds: 2, rate: 16000 },
  { file: 'jfk-16k.flac', seconds: 2, rate: 16000 },
  { file: 'jfk-44k.mp3', seconds: 2, rate: 44100 },
  { file: 'jfk-44k.m4a', seconds: 2, rate: 44100 },
  { file: 'jfk-44k-vorbis.ogg', seconds: 2, rate: 44100 },
  { file: 'jfk-48k-opus.ogg', seconds: 2, rate: 48000 },
  { file: 'jfk-48k-mediarecorder.webm', seconds: 2, rate: 48000 },
  { file: 'stereo-8k-s16.wav', seconds: 1.5, rate: 8000, channels: 2 },
  { file: 'stereo-44k.mp3', seconds: 2, rate: 44100, channels: 2 }
]

/** A mono 16-bit WAV file, built here so tests need nothing outside the repo. */
function makeWav (samples: Float32Array, rate: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2)
  const view = new DataView(bytes.buffer)
  const text = (off: number, s: string): void => { for (let i = 0; i < s.length; i++) bytes[off + i] = s.charCodeAt(i) }
  text(0, 'RIFF'); view.setUint32(4, 36 + samples.length * 2, true); text(8, 'WAVE')
  text(12, 'fmt '); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true)
  view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true)
  text(36, 'data'); view.setUint32(40, samples.length * 2, true)
  samples.forEach((v, i) => view.setInt16(44 + i * 2, Math.round(v * 32767), true))
  return bytes
}

/** The samples of a 16-bit PCM WAV fixture, as floats. */
function wavSamples (file: string): Float32Array {
  const data = wavChunk(fixture(file), 'data')
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  return Float32Array.from({ length: data.length / 2 }, (_, i) => view.getInt16(i * 2, true) / 32768)
}

function wavChunk (bytes: Uint8Array, id: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let off = 12; off + 8 <= bytes.length;) {
    const size = view.getUint32(off + 4, true)
    if (String.fromCharCode(...bytes.subarray(off, off + 4)) === id) return bytes.subarray(off + 8, off + 8 + size)
    off += 8 + size + (size & 1)
  }
  throw new Error(`no ${id} chunk`)
}

describe('decodeAudio: containers', () => {
  for (const { file, seconds, rate, channels = 1 } of CONTAINERS) {
    it(`${file}: ${channels} channel(s), ${seconds} s at 16 kHz, source ${rate} Hz`, async () => {
      const out = await decodeAudio(fixture(file))
      assert.equal(out.channels.length, channels)
      assert.equal(out.sourceChannels, channels)
      assert.equal(out.sourceSampleRate, rate)
      near(out.duration, seconds, 0.03, 'duration')
      for (const ch of out.channels) {
        assert.ok(ch instanceof Float32Array)
        near(ch.length, seconds * SAMPLE_RATE, 0.03, 'samples at 16 kHz')
        assert.ok(rms(ch) > 0.02, `channel is not silent (rms ${rms(ch)})`)
        assert.ok(ch.every(Number.isFinite))
      }
    })
  }

  it('16 kHz WAV and FLAC come back sample-exact (no resampling at the target rate)', async () => {
    const expected = wavSamples('jfk-16k-s16.wav')
    // 1e-4, not 0: the codecs scale positive and negative samples by 1/32767 and 1/32768 respectively.
    for (const file of ['jfk-16k-s16.wav', 'jfk-16k.flac']) {
      const out = await decodeAudio(fixture(file))
      assert.equal(out.channels[0]!.length, expected.length)
      assert.ok(maxAbsDiff(out.channels[0]!, expected) < 1e-4, file)
    }
  })

  it('every 8 kHz WAV sample format decodes to the same signal', async () => {
    const ref = (await decodeAudio(fixture('jfk-8k-s16.wav'))).channels[0]!
    const tolerance: Record<string, number> = { u8: 0.02, s24: 1e-3, mulaw: 0.03, alaw: 0.03 }
    for (const [format, tol] of Object.entries(tolerance)) {
      const ch = (await decodeAudio(fixture(`jfk-8k-${format}.wav`))).channels[0]!
      assert.ok(maxAbsDiff(ch, ref) < tol, `${format}: ${maxAbsDiff(ch, ref)}`)
    }
    for (const format of ['s32', 'f32']) {
      const ch = (await decodeAudio(fixture(`jfk-8k-${format}.wav`))).channels[0]!
      // 1.5 s clips: compare away from the end, where the shorter clip's filter tail differs.
      assert.ok(maxAbsDiff(ch, ref, 0, 23000) < 1e-3, `${format}: ${maxAbsDiff(ch, ref, 0, 23000)}`)
    }
  })

  it('keeps stereo channels apart: speech left, 440 Hz right', async () => {
    for (const file of ['stereo-8k-s16.wav', 'stereo-44k.mp3']) {
      const { channels, duration } = await decodeAudio(fixture(file))
      const [left, right] = channels as [Float32Array, Float32Array]
      const tone = zeroCrossings(right, 800, right.length - 800) / ((right.length - 1600) / SAMPLE_RATE) / 2
      near(tone, 440, 0.02, `${file} right channel frequency`)
      assert.ok(maxAbsDiff(left, right) > 0.1, 'channels differ')
      const mono = mixToMono(channels)
      assert.equal(mono.length, left.length)
      for (const i of [100, 5000, 15000]) assert.ok(Math.abs(mono[i]! - (left[i]! + right[i]!) / 2) < 1e-6)
      assert.ok(duration > 1)
    }
  })

  it('a container wins over a raw encoding hint (clients send encoding=linear16 with WAV and MP3 files)', async () => {
    const mp3 = fixture('jfk-44k.mp3')
    // Without its ID3 tag an MP3 has no strong signature, only frame sync words.
    const bareMp3 = mp3.subarray(10 + ((mp3[6]! << 21) | (mp3[7]! << 14) | (mp3[8]! << 7) | mp3[9]!))
    assert.deepEqual([...bareMp3.subarray(0, 2)], [0xff, 0xfb])
    for (const [bytes, file, rate] of [
      [fixture('jfk-8k-s16.wav'), 'wav', 8000], [mp3, 'mp3', 44100], [bareMp3, 'bare mp3', 44100], [fixture('jfk-16k.flac'), 'flac', 16000]
    ] as const) {
      const out = await decodeAudio(bytes, { encoding: 'linear16', sampleRate: 48000, channels: 2 })
      assert.equal(out.sourceSampleRate, rate, file)
      assert.equal(out.channels.length, 1, file)
      near(out.duration, 2, 0.03, `${file} duration`)
    }
  })

  it('raw PCM that merely starts like an MPEG sync word stays raw', async () => {
    const pcm = encodeRaw([sine(440, 8000, 1)], 'linear16')
    pcm.set([0xff, 0xfb, 0x90, 0x64]) // a valid-looking MP3 header, but no second frame where it points
    const out = await decodeAudio(pcm, { encoding: 'linear16', sampleRate: 8000 })
    near(out.duration, 1, 0.001, 'duration')
  })

  it('decodes a longer file in many chunks (44.1 kHz, 11 s)', async () => {
    const out = await decodeAudio(makeWav(sine(440, 44100, 11), 44100))
    assert.equal(out.duration, 11)
    assert.equal(out.channels[0]!.length, 176000)
    near(zeroCrossings(out.channels[0]!, 400, 175600), 2 * 440 * (175200 / 16000), 0.005, 'zero crossings')
  })

  it('leaves the caller\'s buffer intact (the worker gets a copy)', async () => {
    const bytes = fixture('jfk-44k.mp3')
    const before = sha256Hex(bytes)
    await decodeAudio(bytes)
    assert.equal(bytes.length, 8377)
    assert.equal(sha256Hex(bytes), before)
  })

  it('runs concurrent decodes to completion', async () => {
    const files = ['jfk-44k.mp3', 'jfk-48k-opus.ogg', 'jfk-16k.flac', 'jfk-8k-s16.wav', 'jfk-44k.m4a']
    const results = await Promise.all(files.map(async (f) => await decodeAudio(fixture(f))))
    for (const r of results) near(r.duration, 2, 0.03, 'duration')
  })
})

/** Test-side G.711 encoders (the textbook algorithms), independent of the decoder's tables. */
function mulawEncode (x: number): number {
  let s = Math.max(-32635, Math.min(32635, Math.round(x * 32768)))
  const sign = s < 0 ? 0x80 : 0
  if (s < 0) s = -s
  s += 0x84
  let exponent = 7
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  return ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff
}

function alawEncode (x: number): number {
  let s = Math.max(-32767, Math.min(32767, Math.round(x * 32768))) >> 3
  const sign = s >= 0 ? 0x80 : 0
  if (s < 0) s = -s - 1
  let exponent = 0
  while (exponent < 7 && s >= (32 << exponent)) exponent++
  const mantissa = exponent === 0 ? s >> 1 : (s >> exponent) & 0x0f
  return (sign | (exponent << 4) | mantissa) ^ 0x55
}

function encodeRaw (channels: Float32Array[], encoding: 'linear16' | 'linear32' | 'mulaw' | 'alaw'): Uint8Array {
  const width = encoding === 'linear32' ? 4 : encoding === 'linear16' ? 2 : 1
  const frames = channels[0]!.length
  const bytes = new Uint8Array(frames * channels.length * width)
  const view = new DataView(bytes.buffer)
  for (let f = 0; f < frames; f++) {
    channels.forEach((ch, c) => {
      const o = (f * channels.length + c) * width
      const v = ch[f]!
      if (encoding === 'linear16') view.setInt16(o, Math.round(v * 32767), true)
      else if (encoding === 'linear32') view.setFloat32(o, v, true)
      else bytes[o] = encoding === 'mulaw' ? mulawEncode(v) : alawEncode(v)
    })
  }
  return bytes
}

describe('decodeAudio: headerless audio', () => {
  for (const encoding of ['linear16', 'linear32', 'mulaw', 'alaw'] as const) {
    for (const rate of [8000, 44100]) {
      it(`${encoding} at ${rate} Hz: duration, frequency and level survive`, async () => {
        const out = await decodeAudio(encodeRaw([sine(440, rate, 1.25)], encoding), { encoding, sampleRate: rate })
        assert.equal(out.channels.length, 1)
        assert.equal(out.sourceSampleRate, rate)
        near(out.duration, 1.25, 0.001, 'duration')
        assert.equal(out.channels[0]!.length, 20000)
        const ch = out.channels[0]!
        near(zeroCrossings(ch, 400, ch.length - 400), 2 * 440 * (ch.length - 800) / 16000, 0.01, 'zero crossings')
        near(rms(ch, 400, ch.length - 400), 0.5 / Math.SQRT2, 0.03, 'rms')
        // Same waveform, same polarity (an inverted sign bit would pass the two checks above).
        const expected = sine(440, 16000, 1.25)
        assert.ok(maxAbsDiff(ch, expected, 400, ch.length - 400) < 0.03, `waveform: ${maxAbsDiff(ch, expected, 400, ch.length - 400)}`)
      })
    }
  }

  it('interleaved stereo linear16 keeps both channels', async () => {
    const bytes = encodeRaw([sine(300, 16000, 1), sine(1200, 16000, 1)], 'linear16')
    const out = await decodeAudio(bytes, { encoding: 'linear16', sampleRate: 16000, channels: 2 })
    assert.equal(out.channels.length, 2)
    assert.equal(out.sourceChannels, 2)
    near(zeroCrossings(out.channels[0]!), 600, 0.01, 'left')
    near(zeroCrossings(out.channels[1]!), 2400, 0.01, 'right')
  })

  for (const encoding of ['mulaw', 'alaw'] as const) {
    it(`raw ${encoding} matches the same bytes decoded from a ${encoding} WAV (ffmpeg-made)`, async () => {
      const wav = fixture(`jfk-8k-${encoding}.wav`)
      const fromWav = await decodeAudio(wav)
      const fromRaw = await decodeAudio(wavChunk(wav, 'data').slice(), { encoding, sampleRate: 8000 })
      assert.ok(maxAbsDiff(fromWav.channels[0]!, fromRaw.channels[0]!) < 1e-6)
    })
  }

  it('infers G.711 from Content-Type audio/basic', async () => {
    const out = await decodeAudio(encodeRaw([sine(440, 8000, 1)], 'mulaw'), { contentType: 'audio/basic' })
    assert.equal(out.sourceSampleRate, 8000)
    near(out.duration, 1, 0.001, 'duration')
  })

  it('reads audio/L16 as big-endian with its rate and channels parameters', async () => {
    const le = encodeRaw([sine(500, 16000, 1), sine(1500, 16000, 1)], 'linear16')
    const be = le.slice()
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!]
    const out = await decodeAudio(be, { contentType: 'audio/L16; rate=16000; channels=2' })
    assert.equal(out.channels.length, 2)
    near(zeroCrossings(out.channels[0]!), 1000, 0.01, 'left')
    near(zeroCrossings(out.channels[1]!), 3000, 0.01, 'right')
    await assert.rejects(decodeAudio(be, { contentType: 'audio/L16' }), isAppError(400, /sample_rate is required/))
  })

  it('requires sample_rate, a sane channel count and a known encoding', async () => {
    const bytes = encodeRaw([sine(440, 8000, 0.1)], 'linear16')
    await assert.rejects(decodeAudio(bytes, { encoding: 'linear16' }), isAppError(400, /sample_rate is required/))
    await assert.rejects(decodeAudio(bytes, { encoding: 'linear16', sampleRate: 8000.5 }), isAppError(400, /sample_rate must be/))
    await assert.rejects(decodeAudio(bytes, { encoding: 'linear16', sampleRate: 8000, channels: 0 }), isAppError(400, /channels must be/))
    await assert.rejects(decodeAudio(bytes, { encoding: 'pcm_s8' }), isAppError(400, /Unsupported encoding 'pcm_s8'/))
  })

  it('less than one sample frame is undecodable', async () => {
    await assert.rejects(decodeAudio(new Uint8Array([1]), { encoding: 'linear16', sampleRate: 8000 }), isAppError(400, UNDECODABLE))
  })
})

describe('decodeAudio: limits and bad input', () => {
  it('empty input is a 400 that says so', async () => {
    await assert.rejects(decodeAudio(new Uint8Array(0)), isAppError(400, /empty/))
  })

  it('audio longer than maxSeconds is a 413', async () => {
    const long = makeWav(sine(440, 16000, 11), 16000)
    await assert.rejects(decodeAudio(long, { maxSeconds: 5 }), isAppError(413, /maximum allowed duration of 5 seconds/))
    await assert.rejects(decodeAudio(fixture('jfk-44k.mp3'), { maxSeconds: 1.5 }), isAppError(413))
    await assert.rejects(decodeAudio(fixture('jfk-48k-mediarecorder.webm'), { maxSeconds: 1 }), isAppError(413))
    const raw = encodeRaw([sine(440, 8000, 3)], 'linear16')
    await assert.rejects(decodeAudio(raw, { encoding: 'linear16', sampleRate: 8000, maxSeconds: 2 }), isAppError(413))
    assert.equal((await decodeAudio(long, { maxSeconds: 11 })).duration, 11)
  })

  it('unrecognised bytes are undecodable', async () => {
    await assert.rejects(decodeAudio(new TextEncoder().encode('hello, this is not audio at all')), isAppError(400, UNDECODABLE))
    await assert.rejects(decodeAudio(new Uint8Array(4096)), isAppError(400, UNDECODABLE))
    // A header-only WAV has no samples to transcribe.
    await assert.rejects(decodeAudio(fixture('jfk-8k-s16.wav').slice(0, 44)), isAppError(400, UNDECODABLE))
  })

  it('an aborted signal stops a decode and rejects with its reason', async () => {
    const controller = new AbortController()
    const reason = new Error('client went away')
    const pending = decodeAudio(fixture('jfk-44k.m4a'), { signal: controller.signal })
    controller.abort(reason)
    await assert.rejects(pending, (err) => err === reason)
    await assert.rejects(decodeAudio(fixture('jfk-44k.mp3'), { signal: AbortSignal.abort(reason) }), (err) => err === reason)
    near((await decodeAudio(fixture('jfk-44k.mp3'))).duration, 2, 0.03, 'the pool still works afterwards')
  })

  it('a codec stuck in an endless loop is killed by the watchdog and the pool recovers', async () => {
    // corrupt-hang.m4a is jfk-44k.m4a with 25 bytes changed; the MP4 codec spins on it forever (audio-decode 3.x).
    await closeAudioDecoder()
    configureAudioDecoder({ stallTimeoutMs: 2000 })
    try {
      await assert.rejects(decodeAudio(fixture('corrupt-hang.m4a')), isAppError(400, UNDECODABLE))
      near((await decodeAudio(fixture('jfk-44k.m4a'))).duration, 2, 0.03, 'a fresh worker decodes the next file')
    } finally {
      await closeAudioDecoder()
      configureAudioDecoder({ stallTimeoutMs: 10_000 })
    }
  })

  it('idle workers never keep the process alive, even without closeAudioDecoder()', () => {
    const script = `
      import { decodeAudio } from ${JSON.stringify(new URL('../../src/audio/decode.ts', import.meta.url).href)}
      import { readFileSync } from 'node:fs'
      const out = await decodeAudio(readFileSync(${JSON.stringify(new URL('../fixtures/audio/jfk-44k.mp3', import.meta.url).pathname)}))
      console.log('decoded', out.duration)`
    // The timeout is only a safety net for a regression; a healthy child exits as soon as its script ends.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })
    assert.equal(child.signal, null, 'the child had to be killed: something kept it alive')
    assert.equal(child.status, 0, child.stderr)
    assert.match(child.stdout, /decoded 2/)
  })

  it('closeAudioDecoder stops the workers and a later decode starts afresh', async () => {
    await decodeAudio(fixture('jfk-8k-s16.wav'))
    await closeAudioDecoder()
    await closeAudioDecoder()
    near((await decodeAudio(fixture('jfk-8k-s16.wav'))).duration, 2, 0.01, 'duration')
  })
})

/** Garbage must produce a decoded result no longer than the original or the undecodable 400, nothing else. */
async function assertSurvives (bytes: Uint8Array, maxDuration: number, what: string): Promise<'ok' | 'rejected'> {
  try {
    const out = await decodeAudio(bytes)
    assert.ok(out.duration <= maxDuration, `${what}: decoded ${out.duration} s from at most ${maxDuration} s`)
    for (const ch of out.channels) assert.ok(ch.every(Number.isFinite), `${what}: non-finite samples`)
    return 'ok'
  } catch (err) {
    isAppError(400, UNDECODABLE)(err)
    return 'rejected'
  }
}

describe('decodeAudio: fuzzing', () => {
  for (const { file, seconds } of CONTAINERS) {
    it(`truncated and corrupted ${file}`, async () => {
      const original = fixture(file)
      const random = prng(original.length)
      const outcomes = new Set<string>()
      for (const fraction of [0.002, 0.05, 0.3, 0.7, 0.97]) {
        const cut = original.slice(0, Math.max(1, Math.floor(original.length * fraction)))
        outcomes.add(await assertSurvives(cut, seconds * 1.05, `${file} cut at ${fraction}`))
      }
      for (let round = 0; round < 3; round++) {
        const damaged = original.slice()
        // Keep the first 64 bytes (the signature) so the garbage reaches the codec rather than the sniffer.
        for (let k = 0; k < 40; k++) damaged[64 + Math.floor(random() * (damaged.length - 64))] = Math.floor(random() * 256)
        outcomes.add(await assertSurvives(damaged, seconds * 1.05, `${file} corrupted (round ${round})`))
      }
      assert.ok(outcomes.size > 0)
    })
  }

  it('random bytes behind every container signature', async () => {
    const random = prng(42)
    const signatures = ['RIFF\x00\x10\x00\x00WAVEfmt ', 'OggS\x00\x02', 'fLaC', 'ID3\x03\x00\x00\x00\x00\x00\x10',
      '\x00\x00\x00\x20ftypM4A ', '\x1a\x45\xdf\xa3', '\xff\xfb\x90\x00', '\xff\xf1\x50\x80', 'FORM\x00\x00\x10\x00AIFF', 'caff', '#!AMR\n']
    for (const signature of signatures) {
      for (const size of [16, 700, 20000]) {
        const bytes = Uint8Array.from({ length: size }, () => Math.floor(random() * 256))
        bytes.set(Uint8Array.from(signature, (c) => c.charCodeAt(0)))
        await assertSurvives(bytes, 3600, `${JSON.stringify(signature)} + ${size} random bytes`)
      }
    }
    for (let i = 0; i < 10; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 5000) }, () => Math.floor(random() * 256))
      await assertSurvives(bytes, 3600, `random bytes #${i}`)
    }
    near((await decodeAudio(fixture('jfk-44k.mp3'))).duration, 2, 0.03, 'the pool still works afterwards')
  })
})

describe('mixToMono and sha256Hex', () => {
  it('averages channels and passes mono through', () => {
    const a = Float32Array.from([1, 0.5, -1])
    const b = Float32Array.from([0, 0.5, 1])
    assert.deepEqual(mixToMono([a, b]), Float32Array.from([0.5, 0.5, 0]))
    assert.equal(mixToMono([a]), a)
    assert.equal(mixToMono([]).length, 0)
  })

  it('hashes bytes as lowercase hex', () => {
    assert.equal(sha256Hex(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})
