import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AppError, badRequest, invalidAuth, payloadTooLarge, rateLimited, serverBusy, undecodableAudio } from '../../../src/errors.ts'
import { forParam, toOpenAiError } from '../../../src/protocols/openai/errors.ts'

test('coded errors become OpenAI\'s {error: {message, type, param, code}} with the same status and headers', () => {
  const auth = toOpenAiError(invalidAuth())
  assert.equal(auth.status, 401)
  assert.deepEqual(auth.body, { error: { message: 'Invalid credentials.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })

  const limited = toOpenAiError(rateLimited(7))
  assert.equal(limited.status, 429)
  assert.equal(limited.headers['Retry-After'], '7')
  assert.deepEqual([limited.body.error.type, limited.body.error.code], ['requests', 'rate_limit_exceeded'])

  const busy = toOpenAiError(serverBusy(2))
  assert.deepEqual([busy.status, busy.body.error.type, busy.body.error.code, busy.headers['Retry-After'], busy.unexpected], [503, 'server_error', 'server_busy', '2', false])

  const big = toOpenAiError(payloadTooLarge('Audio longer than 10 s.'))
  assert.deepEqual([big.status, big.body.error.message, big.body.error.code], [413, 'Audio longer than 10 s.', 'file_too_large'])
})

test('errors of one field name it in param', async () => {
  await assert.rejects(forParam('file', async () => { throw undecodableAudio() }), (err) => {
    const r = toOpenAiError(err)
    assert.deepEqual([r.status, r.body.error.param, r.body.error.type], [400, 'file', 'invalid_request_error'])
    return true
  })
  const ok = await forParam('model', async () => 42)
  assert.equal(ok, 42)
  const v = toOpenAiError(new Error('x'), { validation: [{ instancePath: '/timestamp_granularities[]/0', message: 'Invalid option' }] })
  assert.deepEqual(v.body.error, { message: "Invalid 'timestamp_granularities[]': Invalid option", type: 'invalid_request_error', param: 'timestamp_granularities[]', code: 'invalid_value' })
  assert.equal(toOpenAiError(badRequest('nope')).body.error.param, null)
})

test('5xx details stay out of the reply; framework and upload errors get clear 4xx', () => {
  const crash = toOpenAiError(new TypeError('secret internals at /srv/x.js'))
  assert.equal(crash.status, 500)
  assert.equal(crash.unexpected, true)
  assert.doesNotMatch(JSON.stringify(crash.body), /secret|srv/)
  const failed = toOpenAiError(new AppError(500, 'TRANSCRIPTION_FAILED', 'whisper said: bad pointer 0x1234'))
  assert.doesNotMatch(failed.body.error.message, /pointer/)
  assert.equal(failed.body.error.type, 'server_error')

  const tooBig = toOpenAiError(Object.assign(new Error('request file too large'), { code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 }))
  assert.deepEqual([tooBig.status, tooBig.body.error.param, tooBig.body.error.code], [413, 'file', 'file_too_large'])
  const notMultipart = toOpenAiError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))
  assert.equal(notMultipart.status, 415)
  assert.match(notMultipart.body.error.message, /multipart\/form-data/)
  const broken = toOpenAiError(new Error('Unexpected end of form'), { malformed: true })
  assert.deepEqual([broken.status, broken.unexpected], [400, false])
})
