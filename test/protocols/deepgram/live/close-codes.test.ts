// Every ending of the live core has its Deepgram close, and usage counts the right ones as failed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { LiveEndedEvent } from '../../../../src/live/events.ts'
import { closedOnError, closeFor } from '../../../../src/protocols/deepgram/live/close-codes.ts'

const ended = (reason: LiveEndedEvent['reason'], kind?: 'bad-input' | 'overloaded' | 'internal'): LiveEndedEvent => ({
  type: 'ended', reason, drained: false, audioSeconds: 0, sha256: '', models: [], ...(kind !== undefined ? { error: { kind, message: 'x' } } : {})
})

test('each ending of the core maps to its Deepgram close; a client gone gets none', () => {
  assert.deepEqual(closeFor(ended('client')), { code: 1000, reason: '' })
  assert.deepEqual(closeFor(ended('shutdown')), { code: 1001, reason: 'server shutting down' })
  assert.deepEqual(closeFor(ended('idle')), { code: 1011, reason: 'NET-0001' })
  assert.deepEqual(closeFor(ended('limit')), { code: 1008, reason: 'LIMIT-0001' })
  assert.deepEqual(closeFor(ended('error', 'bad-input')), { code: 1008, reason: 'DATA-0000' })
  assert.deepEqual(closeFor(ended('error', 'overloaded')), { code: 1008, reason: 'LIMIT-0002' })
  assert.deepEqual(closeFor(ended('error', 'internal')), { code: 1011, reason: 'NET-0000' })
  assert.equal(closeFor(ended('gone')), undefined)
})

test('usage: a session closed 1000 or 1001, or whose client went away, did not fail; every other close did', () => {
  assert.deepEqual([1000, 1001, undefined].map(closedOnError), [false, false, false])
  assert.deepEqual([1008, 1011].map(closedOnError), [true, true])
})
