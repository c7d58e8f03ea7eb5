// The playground page: the key, the model and language options, and the two panes (live, file).
import { ApiError, api, keyStore } from './api.js'
import { createFileTranscriber } from './file.js'
import { createLive } from './live.js'

const $ = (id) => document.getElementById(id)

// Whisper knows ~100 languages; these are the ones most people look for. Detection covers the rest.
const LANGUAGES = [
  ['en', 'English'], ['de', 'German'], ['es', 'Spanish'], ['fr', 'French'], ['it', 'Italian'], ['pt', 'Portuguese'],
  ['nl', 'Dutch'], ['pl', 'Polish'], ['sv', 'Swedish'], ['da', 'Danish'], ['no', 'Norwegian'], ['fi', 'Finnish'],
  ['cs', 'Czech'], ['ro', 'Romanian'], ['hu', 'Hungarian'], ['el', 'Greek'], ['tr', 'Turkish'], ['ru', 'Russian'],
  ['uk', 'Ukrainian'], ['ar', 'Arabic'], ['he', 'Hebrew'], ['hi', 'Hindi'], ['zh', 'Chinese'], ['ja', 'Japanese'],
  ['ko', 'Korean'], ['vi', 'Vietnamese'], ['id', 'Indonesian'], ['th', 'Thai']
]

const ui = {
  keyForm: $('key-form'),
  key: $('key'),
  forget: $('forget-key'),
  keyStatus: $('key-status'),
  keyError: $('key-error'),
  model: $('model'),
  language: $('language'),
  languageHelp: $('language-help')
}

const options = () => ({ model: ui.model.value, language: ui.language.value })

let liveBusy = false
const live = createLive({
  start: $('live-start'),
  stop: $('live-stop'),
  meter: $('live-meter'),
  status: $('live-status'),
  error: $('live-error'),
  captions: $('captions'),
  logList: $('log-list'),
  logCount: $('log-count')
}, options, (busy) => {
  // the socket's model and language are fixed when it opens
  liveBusy = busy
  ui.model.disabled = busy || ui.model.options.length === 0
  updateLanguages()
})

const file = createFileTranscriber({
  input: $('file-input'),
  drop: $('drop'),
  run: $('file-run'),
  cancel: $('file-cancel'),
  status: $('file-status'),
  error: $('file-error'),
  result: $('file-result'),
  meta: $('file-meta'),
  transcript: $('file-transcript'),
  timeline: $('timeline'),
  wordsBody: $('words-body')
}, options)

function option (value, text) {
  const element = document.createElement('option')
  element.value = value
  element.textContent = text
  return element
}

/** English-only models (`*.en`) get English; multilingual ones a choice, with detection as the default. */
function updateLanguages () {
  const model = ui.model.value
  const previous = ui.language.value
  if (model === '') {
    ui.language.replaceChildren()
    ui.language.disabled = true
    return
  }
  if (model.endsWith('.en')) {
    ui.language.replaceChildren(option('en', 'English'))
    ui.languageHelp.textContent = `${model} is an English-only model.`
  } else {
    ui.language.replaceChildren(option('', 'Detect automatically'), ...LANGUAGES.map(([code, name]) => option(code, `${name} (${code})`)))
    ui.language.value = LANGUAGES.some(([code]) => code === previous) ? previous : ''
    ui.languageHelp.textContent = ''
  }
  ui.language.disabled = liveBusy
}

async function loadModels () {
  const { models } = await api('/v1/models')
  const previous = ui.model.value
  ui.model.replaceChildren(...models.map((m) => option(m.name, `${m.name}${m.default ? ' (default)' : ''}${m.loaded ? '' : ' — loads on first use'}`)))
  const chosen = models.find((m) => m.name === previous) ?? models.find((m) => m.default) ?? models[0]
  if (chosen !== undefined) ui.model.value = chosen.name
  ui.model.disabled = liveBusy || models.length === 0
  updateLanguages()
  if (models.length === 0) throw new ApiError(0, 'No models are installed on the server: npx earshot models download base.en')
}

function setEnabled (on) {
  live.enable(on)
  file.enable(on)
  ui.forget.disabled = keyStore.get() === ''
}

async function useKey () {
  const key = ui.key.value.trim()
  ui.keyError.textContent = ''
  if (key === '') {
    ui.keyError.textContent = 'Enter an API key first.'
    ui.key.focus()
    return
  }
  keyStore.set(key)
  ui.keyStatus.textContent = 'Checking the key…'
  try {
    const info = await api('/v1/auth/key')
    await loadModels()
    const expiry = info.expires_at ? `, expires ${new Date(info.expires_at).toLocaleString()}` : ''
    ui.keyStatus.textContent = `Using key "${info.name}" (${info.prefix}…${expiry}).`
    setEnabled(true)
  } catch (err) {
    ui.keyStatus.textContent = ''
    ui.keyError.textContent = err instanceof ApiError ? err.message : `Could not check the key: ${err?.message ?? err}`
    // a refused key is dropped; a busy server (429, 503) may let the same key in a moment later
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) keyStore.clear()
    setEnabled(false)
    ui.key.focus()
  }
}

ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault()
  useKey()
})
ui.forget.addEventListener('click', () => {
  keyStore.clear()
  ui.key.value = ''
  ui.keyStatus.textContent = 'Key forgotten.'
  ui.keyError.textContent = ''
  ui.model.replaceChildren(option('', 'Enter a key first'))
  ui.model.disabled = true
  updateLanguages()
  setEnabled(false)
  ui.key.focus()
})
ui.model.addEventListener('change', updateLanguages)

if (keyStore.get() !== '') {
  ui.key.value = keyStore.get()
  useKey()
}
