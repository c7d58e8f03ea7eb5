// Deepgram model names on live /v1/listen, at the WebSocket level (plain `ws`): the alias opens a session, the
// audio is transcribed, and every message that names a model names the one that actually ran.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { build, tempDir } from '../helpers/build.ts'
import { installTestModel, TEST_PHRASE } from '../helpers/models.ts'
import { jfkSpeech16k, silence16k } from '../helpers/live-audio.ts'
import { connect, refusal, type Message } from '../helpers/deepgram-live-client.ts'

const RAW = '&encoding=linear16&sample_rate=16000'

test('live ?model=nova-3 and ?model=whisper-base open, transcribe, and name the installed model that ran', async (t) => {
  const models = join(tempDir(t), 'models')
  installTestModel(models, 'small-test')
  installTestModel(models, 'small-test', 'base')
  const app = await build(t, { MODELS_DIR: models })
  const key = await app.createKey()
  const headers = { authorization: `Token ${key}` }

  for (const [model, ran] of [['nova-3', 'small-test'], ['whisper-base', 'base']] as const) {
    const client = await connect(app, `?model=${model}${RAW}`, { headers })
    await client.sendAudio(Buffer.concat([silence16k(0.5), jfkSpeech16k(), silence16k(1)]))
    client.sendJson({ type: 'CloseStream' })
    assert.equal((await client.closed).code, 1000, model)
    assert.deepEqual(client.problems, [], model)
    const finals = client.finals()
    assert.equal(finals.map((m) => (m.channel as { alternatives: Array<{ transcript: string }> }).alternatives[0]?.transcript).join(' '), TEST_PHRASE, model)
    assert.ok(client.results().every((m) => m.metadata?.model_info.name === ran), model)
    const metadata = client.messages.at(-1) as Message & { models: string[], model_info: Record<string, { name: string }> }
    assert.equal(metadata.type, 'Metadata')
    assert.deepEqual(metadata.models.map((uuid) => metadata.model_info[uuid]?.name), [ran], model)
    assert.equal(finals[0]?.metadata?.model_uuid, metadata.models[0], model)
  }

  // an alias whose models are not installed is refused before the upgrade, naming what would have run
  const refused = await refusal(app, `?model=whisper-large${RAW}`, { headers })
  assert.equal(refused.status, 400)
  assert.match(refused.body.err_msg, /whisper-large/)
})
