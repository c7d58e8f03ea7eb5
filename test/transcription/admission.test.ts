// The one admission call (src/transcription/admission.ts) on a replica whose engine is off: every protocol refuses a
// transcription before any work, in its own shape. Before it, OpenAI's route decoded the file and ran VAD first
// (a silent file even got 200 and empty text) and a live session was upgraded, then closed 1011 at its first
// utterance.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helpers/build.ts'
import { testAudio } from '../helpers/models.ts'
import { wav } from '../helpers/openai.ts'
import { refusal } from '../helpers/deepgram-live-client.ts'

test('ENGINE=off: REST, OpenAI and live transcriptions get 503 ENGINE_OFF before any audio is read', async (t) => {
  const app = await build(t, { ENGINE: 'off' })
  const key = await app.createKey()
  const silent = wav(new Float32Array(16000 * 2))

  const deepgram = await app.fetch('/v1/listen', { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: silent })
  assert.equal(deepgram.status, 503)
  assert.equal((await deepgram.json() as { err_code: string }).err_code, 'ENGINE_OFF')

  for (const path of ['/v1/audio/transcriptions', '/v1/audio/translations']) {
    for (const audio of [silent, wav(testAudio(2))]) {
      const form = new FormData()
      form.append('file', new Blob([audio], { type: 'audio/wav' }), 'a.wav')
      form.append('model', 'whisper-1')
      const res = await app.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
      assert.equal(res.status, 503, path)
      assert.ok(Number(res.headers.get('retry-after')) >= 1, `${path}: Retry-After`)
      const body = await res.json() as { error: { message: string, type: string } }
      assert.equal(body.error.type, 'server_error')
      assert.match(body.error.message, /engine off/, path)
    }
  }

  const live = await refusal(app, '?encoding=linear16&sample_rate=16000', { headers: { authorization: `Token ${key}` } })
  assert.equal(live.status, 503)
  assert.equal(live.body.err_code, 'ENGINE_OFF')

  // nothing was decoded or scored on the way to those refusals
  assert.equal(app.app.engine.stats().decodes, 0)
  assert.equal(app.logs.filter((l) => l.includes('"msg":"decoded')).length, 0)
})
