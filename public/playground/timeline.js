// The file's waveform on a time axis, with a box per word; a box plays its stretch of the audio.

const PX_PER_SECOND = 90
const MAX_WIDTH = 16000 // CSS pixels; beyond this, canvases get slow and long files squeeze instead
const WAVE_HEIGHT = 88
const LANES = 3 // rows of word boxes, so neighbours that overlap on screen stay readable
const LANE_HEIGHT = 30
const END_ROOM = 44 // px after the audio's end

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()

function drawWaveform (canvas, audio, width) {
  const ratio = window.devicePixelRatio || 1
  canvas.width = Math.round(width * ratio)
  canvas.height = Math.round(WAVE_HEIGHT * ratio)
  canvas.style.width = `${width}px`
  canvas.style.height = `${WAVE_HEIGHT}px`
  const g = canvas.getContext('2d')
  g.scale(ratio, ratio)
  g.clearRect(0, 0, width, WAVE_HEIGHT)
  g.fillStyle = css('--wave')
  const samples = audio.getChannelData(0)
  const perPixel = samples.length / width
  const middle = WAVE_HEIGHT / 2
  for (let x = 0; x < width; x++) {
    let low = 0
    let high = 0
    const end = Math.min(samples.length, Math.floor((x + 1) * perPixel))
    for (let i = Math.floor(x * perPixel); i < end; i++) {
      const s = samples[i]
      if (s < low) low = s
      else if (s > high) high = s
    }
    g.fillRect(x, middle - high * middle, 1, Math.max(1, (high - low) * middle))
  }
}

function tickStep (pxPerSecond) {
  for (const step of [0.5, 1, 2, 5, 10, 30, 60, 300, 600]) if (step * pxPerSecond >= 60) return step
  return 1800
}

const label = (seconds) => (seconds >= 60 ? `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}` : `${seconds}s`)

/**
 * Renders into `container`. audio: an AudioBuffer, or undefined when the browser could not decode the file (then
 * the boxes are shown without a waveform and cannot play). play(word, button) is called for a chosen word.
 */
export function renderTimeline (container, { audio, duration, words, play }) {
  container.replaceChildren()
  const scroll = document.createElement('div')
  scroll.className = 'timeline-scroll'
  const track = document.createElement('div')
  track.className = 'timeline'
  scroll.append(track)
  container.append(scroll)
  if (!(duration > 0)) return

  const canvas = document.createElement('canvas')
  canvas.className = 'wave'
  canvas.setAttribute('aria-hidden', 'true')
  const axis = document.createElement('div')
  axis.className = 'axis'
  axis.setAttribute('aria-hidden', 'true')
  const boxes = document.createElement('div')
  boxes.className = 'word-boxes'
  boxes.style.height = `${LANES * LANE_HEIGHT + 4}px`
  boxes.setAttribute('role', 'group')
  boxes.setAttribute('aria-label', 'Words on the timeline')
  track.append(canvas, axis, boxes)
  if (audio === undefined) {
    const note = document.createElement('p')
    note.className = 'help'
    note.textContent = 'This browser cannot decode the file, so there is no waveform and the words cannot be played.'
    container.prepend(note)
  }

  // One tab stop for all the words (roving tabindex): arrows move between them, Enter or Space plays.
  const buttons = words.map((word, i) => {
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'word-box'
    button.textContent = word.punctuated_word ?? word.word
    button.tabIndex = i === 0 ? 0 : -1
    button.dataset.index = String(i)
    button.setAttribute('aria-label', `${word.punctuated_word ?? word.word}, ${word.start.toFixed(2)} to ${word.end.toFixed(2)} seconds`)
    if (audio === undefined) button.setAttribute('aria-disabled', 'true')
    button.addEventListener('click', () => { if (audio !== undefined) play(word, button) })
    return button
  })
  boxes.append(...buttons)
  boxes.addEventListener('keydown', (event) => {
    const index = Number(event.target.dataset?.index)
    if (!Number.isInteger(index)) return
    const next = { ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 }[event.key]
    if (next === undefined || buttons[next] === undefined) return
    event.preventDefault()
    buttons[index].tabIndex = -1
    buttons[next].tabIndex = 0
    buttons[next].focus()
    buttons[next].scrollIntoView({ block: 'nearest', inline: 'nearest' })
  })

  const layout = () => {
    const width = Math.min(MAX_WIDTH, Math.max(scroll.clientWidth, Math.ceil(duration * PX_PER_SECOND) + END_ROOM))
    // the waveform spans the whole track; END_ROOM keeps boxes of words at the very end readable
    const perSecond = (width - END_ROOM) / duration
    track.style.width = `${width}px`
    if (audio !== undefined) drawWaveform(canvas, audio, width - END_ROOM)
    else { canvas.width = 0; canvas.style.height = `${WAVE_HEIGHT}px` }
    const step = tickStep(perSecond)
    axis.replaceChildren()
    for (let t = 0; t <= duration; t += step) {
      const tick = document.createElement('span')
      tick.style.left = `${t * perSecond}px`
      tick.textContent = label(Math.round(t * 10) / 10)
      axis.append(tick)
    }
    // each box goes into the first lane that is free at its left edge (or the one that frees first)
    const laneEnds = new Array(LANES).fill(-Infinity)
    for (const [i, word] of words.entries()) {
      const button = buttons[i]
      const left = word.start * perSecond
      const width = Math.max(6, (word.end - word.start) * perSecond - 1)
      let lane = laneEnds.findIndex((end) => end <= left)
      if (lane < 0) lane = laneEnds.indexOf(Math.min(...laneEnds))
      laneEnds[lane] = left + Math.max(width, 40) // a label needs ~40 px to be read
      button.style.left = `${left}px`
      button.style.width = `${width}px`
      button.style.top = `${2 + lane * LANE_HEIGHT}px`
    }
  }
  layout()
  let lastWidth = scroll.clientWidth
  new ResizeObserver(() => {
    if (scroll.clientWidth !== lastWidth) { lastWidth = scroll.clientWidth; layout() }
  }).observe(scroll)
}
