import assert from 'node:assert/strict'
import { test } from 'node:test'
import { format, transcript } from './helpers.ts'

const r = (find: string, replace: string): { find: string, replace: string } => ({ find, replace })

test('replace: whole words and phrases, case-insensitive for a lower-case find', () => {
  const cases: Array<[string, Array<{ find: string, replace: string }>, string]> = [
    ['We met Monika today.', [r('monika', 'Monica')], 'We met Monica today.'],
    ['We met MONIKA and monika.', [r('monika', 'Monica')], 'We met Monica and Monica.'],
    ['monika jon is here', [r('monika jon', 'Monica John')], 'Monica John is here'],
    ['Monika, Jon, and Hailee', [r('monika', 'Monica'), r('hailee', 'Hailey')], 'Monica, Jon, and Hailey.'.slice(0, -1)],
    ['Monikas are not Monika', [r('monika', 'Monica')], 'Monikas are not Monica'], // whole words only
    ['remove this word please', [r('this word', '')], 'remove please'],
    ['the kpis matter', [r('kpis', 'Key Performance Indicators')], 'the Key Performance Indicators matter'],
    ['It is it.', [r('It', 'The monster'), r('it', 'the monster')], 'The monster is the monster.'],
    ['It is it.', [r('it', 'the monster')], 'the monster is the monster.'],
    ['Zendesk and ZenDesk', [r('ZenDesk', 'Zendesk')], 'Zendesk and Zendesk'],
    ['ümlaut café', [r('café', 'coffee')], 'ümlaut coffee'],
    ['a b a b', [r('a', 'x'), r('a b', 'y')], 'y y'], // longer find wins
    ['at the end', [r('end', 'finish')], 'at the finish'],
    ['start here', [r('start', 'begin')], 'begin here'],
    ['', [r('a', 'b')], '']
  ]
  for (const [input, replace, expected] of cases) assert.equal(transcript(input, { replace }), expected, input)
})

test('replace: one word -> one keeps its times; one -> three share the span evenly; word keeps the replacement case', () => {
  const one = format('the kpis matter', { replace: [r('kpis', 'KPIs')] })
  assert.deepEqual(one.words[1], { word: 'KPIs', start: 1, end: 1.5, confidence: 0.9, punctuated_word: 'KPIs' })
  const three = format('the kpis matter', { replace: [r('kpis', 'Key Performance Indicators')] })
  assert.deepEqual(three.words.slice(1, 4).map((w) => [w.word, w.start, w.end]),
    [['Key', 1, 1 + 0.5 / 3], ['Performance', 1 + 0.5 / 3, 1 + 1 / 3], ['Indicators', 1 + 1 / 3, 1.5]])
  const merged = format('monika jon is', { replace: [r('monika jon', 'Monica')] })
  assert.deepEqual(merged.words[0], { word: 'Monica', start: 0, end: 1.5, confidence: 0.9, punctuated_word: 'Monica' })
})
