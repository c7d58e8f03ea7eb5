// Live captions: microphone -> AudioWorklet (linear16) -> WebSocket /v1/listen -> captions.
import { ApiError, api, describeClose, keyStore } from './api.js'

const TARGET_RATE = 16000 // what whisper wants: the server need not resample
const LOG_LIMIT = 300
const CLOSE_WAIT_MS = 10000 // after CloseStream, how long the server gets to send its finals

/** The audio graph: a 16 kHz context where the browser can resample the microphone, the device's own rate otherwise. */
async function openMicrophone () {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true }
  })
  let context = new AudioContext({ sampleRate: TARGET_RATE, latencyHint: 'interactive' })
  let source
  try {
    source = context.createMediaStreamSource(stream)
  } catch {
    // Some browsers refuse a stream whose rate differs from the context's; then the server resamples.
    await context.close()
    context = new AudioContext({ latencyHint: 'interactive' })
    source = context.createMediaStreamSource(stream)
  }
  await context.audioWorklet.addModule('/playground/pcm-worklet.js')
  const node = new AudioWorkletNode(context, 'linear16', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit' })
  // Browsers only pull nodes that lead to the destination; a silent gain keeps the microphone off the speakers.
  const mute = new GainNode(context, { gain: 0 })
  source.connect(node).connect(mute).connect(context.destination)
  await context.resume()
  return {
    stream,
    context,
    node,
    close () {
      for (const track of stream.getTracks()) track.stop()
      node.port.onmessage = null
      source.disconnect()
      context.close().catch(() => {})
    }
  }
}

function microphoneProblem (err) {
  if (err?.name === 'NotAllowedError') return 'Microphone access was refused. Allow it for this site in the browser and try again.'
  if (err?.name === 'NotFoundError') return 'No microphone was found.'
  if (!window.isSecureContext) return 'Browsers only allow the microphone on https:// or http://localhost. Open the page there.'
  return `The microphone could not be opened: ${err?.message ?? err}`
}

const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`

/**
 * ui: the section's elements; options(): { model, language } currently chosen; onBusy(busy) tells the page a
 * session runs (options are locked meanwhile).
 */
export function createLive (ui, options, onBusy) {
  let session // { socket, mic, stopping, opened }

  const status = (text) => { ui.status.textContent = text }
  const error = (text) => { ui.error.textContent = text }

  function setRunning (running) {
    ui.start.disabled = running
    ui.stop.disabled = !running
    onBusy(running)
  }

  // --- captions ---------------------------------------------------------------------------------------------
  let utterance // the <p> being spoken
  const interim = document.createElement('span')
  interim.className = 'interim'
  interim.setAttribute('aria-hidden', 'true') // screen readers hear finals only, not every provisional guess

  function currentUtterance (start) {
    if (utterance === undefined) {
      ui.captions.querySelector('.placeholder')?.remove()
      utterance = document.createElement('p')
      utterance.className = 'utterance'
      const time = document.createElement('span')
      time.className = 'time'
      time.textContent = clock(start)
      utterance.append(time)
      ui.captions.append(utterance)
    }
    return utterance
  }

  function scrollCaptions () { ui.captions.scrollTop = ui.captions.scrollHeight }

  function showInterim (text, start) {
    if (text === '') { interim.remove(); return }
    interim.textContent = text
    currentUtterance(start).append(interim)
    scrollCaptions()
  }

  function addFinal (text, start) {
    interim.remove()
    if (text === '') return
    const final = document.createElement('span')
    final.className = 'final'
    final.textContent = text
    currentUtterance(start).append(final)
    scrollCaptions()
  }

  function endUtterance () {
    interim.remove()
    utterance = undefined
  }

  function clearCaptions () {
    endUtterance()
    ui.captions.replaceChildren()
    const placeholder = document.createElement('p')
    placeholder.className = 'placeholder'
    placeholder.textContent = 'Listening… captions will appear here.'
    ui.captions.append(placeholder)
    ui.logList.replaceChildren()
    ui.logCount.textContent = '0'
  }

  // --- message log ------------------------------------------------------------------------------------------
  function summary (message) {
    if (message.type === 'Results') {
      const text = message.channel?.alternatives?.[0]?.transcript ?? ''
      const kind = message.is_final ? (message.speech_final ? 'final, speech_final' : 'final') : 'interim'
      return `Results (${kind}) ${message.start?.toFixed(2)}–${(message.start + message.duration).toFixed(2)} s “${text}”`
    }
    if (message.type === 'close') return `closed ${message.code}${message.reason ? ` ${message.reason}` : ''}`
    if (message.type === 'Metadata') return `Metadata ${message.duration?.toFixed(2)} s, request ${message.request_id}`
    return message.type ?? 'message'
  }

  /** One line per message; the line opens (a native <details>, so keyboard too) to the message as sent. */
  function log (direction, message) {
    const item = document.createElement('li')
    item.dataset.type = message.type ?? 'unknown'
    if (message.type === 'Results') item.dataset.final = String(message.is_final === true)
    const entry = document.createElement('details')
    const line = document.createElement('summary')
    const arrow = document.createElement('span')
    arrow.className = 'dir'
    arrow.textContent = direction === 'in' ? '←' : '→'
    line.append(arrow, ` ${direction === 'in' ? 'received' : 'sent'}: ${summary(message)}`)
    const body = document.createElement('pre')
    body.textContent = JSON.stringify(message, null, 2)
    entry.append(line, body)
    item.append(entry)
    ui.logList.append(item)
    while (ui.logList.childElementCount > LOG_LIMIT) ui.logList.firstElementChild.remove()
    ui.logCount.textContent = String(Number(ui.logCount.textContent) + 1)
  }

  function onMessage (message) {
    log('in', message)
    if (message.type === 'Results') {
      const text = message.channel?.alternatives?.[0]?.transcript ?? ''
      if (!message.is_final) return showInterim(text, message.start)
      addFinal(text, message.start)
      if (message.speech_final) endUtterance()
    } else if (message.type === 'UtteranceEnd') {
      endUtterance()
    } else if (message.type === 'Metadata') {
      status(`Finished: ${message.duration.toFixed(1)} s of audio transcribed.`)
    }
  }

  // --- session ----------------------------------------------------------------------------------------------
  function query (sampleRate) {
    const { model, language } = options()
    const params = new URLSearchParams({
      encoding: 'linear16',
      sample_rate: String(sampleRate),
      channels: '1',
      interim_results: 'true',
      vad_events: 'true',
      utterance_end_ms: '1000',
      punctuate: 'true'
    })
    if (model) params.set('model', model)
    if (language) params.set('language', language)
    return params
  }

  /** A browser says nothing about a refused upgrade; the same URL as a plain GET returns the HTTP reason. */
  async function explainRefusal (params, code, reason) {
    try {
      await api(`/v1/listen?${params}`)
      error(describeClose(code, reason))
    } catch (err) {
      error(err instanceof ApiError ? err.message : describeClose(code, reason))
    }
  }

  async function start () {
    if (session !== undefined) return
    error('')
    setRunning(true)
    status('Opening the microphone…')
    let mic
    try {
      mic = await openMicrophone()
    } catch (err) {
      setRunning(false)
      status('')
      error(microphoneProblem(err))
      return
    }
    clearCaptions()
    const params = query(mic.context.sampleRate)
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    // The key travels as a subprotocol (browsers cannot set headers on a WebSocket); the server answers `token`.
    let socket
    try {
      socket = new WebSocket(`${scheme}//${location.host}/v1/listen?${params}`, ['token', keyStore.get()])
    } catch {
      // a subprotocol may only hold token characters: a key with spaces or quotes cannot be sent this way
      mic.close()
      setRunning(false)
      status('')
      error('This key contains characters a WebSocket cannot carry. Check it for spaces or quotes.')
      return
    }
    socket.binaryType = 'arraybuffer'
    const current = { socket, mic, stopping: false, opened: false, pending: [] }
    session = current
    status('Connecting…')

    mic.node.port.onmessage = ({ data }) => {
      ui.meter.style.transform = `scaleX(${Math.min(1, data.peak * 1.5)})`
      if (socket.readyState === WebSocket.OPEN) socket.send(data.pcm)
      else if (socket.readyState === WebSocket.CONNECTING && current.pending.length < 50) current.pending.push(data.pcm)
    }
    socket.onopen = () => {
      current.opened = true
      for (const pcm of current.pending) socket.send(pcm)
      current.pending = []
      status(`Listening (${mic.context.sampleRate / 1000} kHz linear16). Press Stop when done.`)
    }
    socket.onmessage = ({ data }) => {
      if (typeof data !== 'string') return
      try { onMessage(JSON.parse(data)) } catch { log('in', { type: 'unparsable', data }) }
    }
    socket.onclose = ({ code, reason }) => {
      clearTimeout(current.timer)
      mic.close()
      ui.meter.style.transform = 'scaleX(0)'
      interim.remove()
      session = undefined
      setRunning(false)
      log('in', { type: 'close', code, reason })
      if (!current.opened) {
        status('')
        if (!current.stopping) explainRefusal(params, code, reason)
      } else if (code !== 1000 || !current.stopping) {
        status('Stopped.')
        error(describeClose(code, reason))
      } else if (!ui.status.textContent.startsWith('Finished')) {
        status('Stopped.')
      }
    }
  }

  function stop () {
    const current = session
    if (current === undefined || current.stopping) return
    current.stopping = true
    current.mic.close()
    ui.stop.disabled = true
    if (current.socket.readyState === WebSocket.OPEN) {
      const message = { type: 'CloseStream' }
      current.socket.send(JSON.stringify(message))
      log('out', message)
      status('Finishing the last words…')
      current.timer = setTimeout(() => current.socket.close(), CLOSE_WAIT_MS)
    } else {
      current.socket.close()
    }
  }

  ui.start.addEventListener('click', start)
  ui.stop.addEventListener('click', stop)
  window.addEventListener('pagehide', stop)
  return {
    enable (enabled) {
      if (session === undefined) ui.start.disabled = !enabled
      if (!enabled) stop()
      if (session === undefined) status(enabled ? 'Ready. Press Start microphone and speak.' : 'Enter a key to start.')
    }
  }
}
