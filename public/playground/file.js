// File transcription: pick or drop a file -> POST /v1/listen -> transcript, words table and timeline.
import { ApiError, api } from './api.js'
import { renderTimeline } from './timeline.js'

const PLAY_PADDING = 0.08 // seconds after a word's end, so its last sound is not clipped

const megabytes = (bytes) => `${(bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0)} MB`

// The server accepts audio/*, video/* and octet-stream; anything else (application/ogg, '') is sent as bytes.
const contentType = (file) => (/^(audio|video)\//.test(file.type) ? file.type : 'application/octet-stream')

/** ui: the section's elements; options(): { model, language }. */
export function createFileTranscriber (ui, options) {
  let file
  let running // AbortController of the request in flight
  let context // AudioContext for playback, created on the first file (a user gesture)
  let playing // { source, button, row }
  let enabled = false

  const status = (text) => { ui.status.textContent = text }
  const error = (text) => { ui.error.textContent = text }

  function stopPlaying () {
    if (playing === undefined) return
    playing.source.onended = null
    try { playing.source.stop() } catch {}
    playing.button.classList.remove('playing')
    playing.row?.classList.remove('playing')
    playing = undefined
  }

  function play (audio, word, button, row) {
    stopPlaying()
    context.resume()
    const source = context.createBufferSource()
    source.buffer = audio
    source.connect(context.destination)
    const length = Math.max(0.05, word.end - word.start) + PLAY_PADDING
    source.start(0, Math.max(0, word.start), length)
    button.classList.add('playing')
    row?.classList.add('playing')
    playing = { source, button, row }
    source.onended = () => { if (playing?.source === source) stopPlaying() }
  }

  async function decodeForPlayback (bytes) {
    try {
      return await context.decodeAudioData(bytes)
    } catch {
      return undefined // formats the browser lacks (some M4A, Ogg in Safari): words still show
    }
  }

  function renderWords (words) {
    const rows = words.map((word, i) => {
      const row = document.createElement('tr')
      const cells = [String(i + 1), word.punctuated_word ?? word.word, word.start.toFixed(2), word.end.toFixed(2), `${Math.round(word.confidence * 100)} %`]
      for (const text of cells) {
        const cell = document.createElement('td')
        cell.textContent = text
        row.append(cell)
      }
      return row
    })
    ui.wordsBody.replaceChildren(...rows)
    return rows
  }

  function render (result, audio, elapsed) {
    const alternative = result.results?.channels?.[0]?.alternatives?.[0] ?? { transcript: '', words: [] }
    const words = alternative.words ?? []
    const channel = result.results?.channels?.[0]
    const meta = [
      `${result.metadata.duration.toFixed(1)} s of audio`,
      `model ${Object.values(result.metadata.model_info ?? {})[0]?.name ?? '?'}`,
      `${words.length} words`,
      `answered in ${(elapsed / 1000).toFixed(1)} s`
    ]
    if (channel?.detected_language) meta.push(`language ${channel.detected_language} (detected)`)
    ui.meta.textContent = meta.join(' · ')
    ui.transcript.textContent = alternative.transcript || '(no speech found)'
    const rows = renderWords(words)
    rows.forEach((row, i) => {
      row.addEventListener('click', () => {
        const button = ui.timeline.querySelector(`[data-index="${i}"]`)
        if (audio !== undefined && button !== null) play(audio, words[i], button, row)
      })
    })
    renderTimeline(ui.timeline, {
      audio,
      duration: result.metadata.duration,
      words,
      play: (word, button) => play(audio, word, button, rows[words.indexOf(word)])
    })
    ui.result.hidden = false
  }

  async function transcribe () {
    if (file === undefined || !enabled) return
    running?.abort()
    stopPlaying()
    const controller = new AbortController()
    running = controller
    error('')
    ui.run.disabled = true
    ui.cancel.hidden = false
    status(`Transcribing ${file.name} (${megabytes(file.size)})…`)
    context ??= new AudioContext()
    const { model, language } = options()
    const params = new URLSearchParams({ punctuate: 'true' })
    if (model) params.set('model', model)
    if (language) params.set('language', language)
    else params.set('detect_language', 'true')
    const started = performance.now()
    const bytes = await file.arrayBuffer()
    try {
      const [result, audio] = await Promise.all([
        api(`/v1/listen?${params}`, { method: 'POST', body: bytes, headers: { 'Content-Type': contentType(file) }, signal: controller.signal }),
        decodeForPlayback(bytes.slice(0))
      ])
      if (running !== controller) return
      render(result, audio, performance.now() - started)
      status(`Transcribed ${file.name}.`)
    } catch (err) {
      if (running !== controller) return
      status('')
      if (err?.name === 'AbortError') status('Cancelled.')
      else error(err instanceof ApiError ? err.message : `Transcription failed: ${err?.message ?? err}`)
    } finally {
      if (running === controller) {
        running = undefined
        ui.run.disabled = !enabled
        ui.cancel.hidden = true
      }
    }
  }

  function choose (chosen) {
    if (chosen === undefined || !enabled) return
    file = chosen
    ui.run.hidden = false // with other options, say
    transcribe()
  }

  ui.input.addEventListener('change', () => { choose(ui.input.files?.[0]) })
  ui.run.addEventListener('click', transcribe)
  ui.cancel.addEventListener('click', () => { running?.abort() })
  for (const type of ['dragenter', 'dragover']) {
    ui.drop.addEventListener(type, (event) => {
      event.preventDefault()
      if (enabled) ui.drop.classList.add('over')
    })
  }
  ui.drop.addEventListener('dragleave', () => { ui.drop.classList.remove('over') })
  ui.drop.addEventListener('drop', (event) => {
    event.preventDefault()
    ui.drop.classList.remove('over')
    choose(event.dataTransfer?.files?.[0])
  })

  return {
    enable (on) {
      enabled = on
      ui.input.disabled = !on
      ui.drop.classList.toggle('disabled', !on)
      ui.run.disabled = !on || file === undefined || running !== undefined
      if (!on) running?.abort()
    }
  }
}
