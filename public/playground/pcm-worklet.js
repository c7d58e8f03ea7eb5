// AudioWorklet: the microphone as 16-bit little-endian mono PCM (Deepgram's linear16), at the context's rate,
// posted to the page in ~100 ms chunks (small enough for prompt captions, large enough to keep messages few).

class Linear16Processor extends AudioWorkletProcessor {
  constructor () {
    super()
    // sampleRate is a global of the worklet scope: the AudioContext's rate
    this.size = Math.round(sampleRate / 10)
    this.chunk = new Int16Array(this.size)
    this.filled = 0
    this.peak = 0
  }

  process (inputs) {
    const channels = inputs[0]
    if (channels === undefined || channels.length === 0) return true
    const frames = channels[0].length
    for (let i = 0; i < frames; i++) {
      let sum = 0
      for (const channel of channels) sum += channel[i]
      const sample = Math.max(-1, Math.min(1, sum / channels.length))
      this.peak = Math.max(this.peak, Math.abs(sample))
      this.chunk[this.filled++] = sample < 0 ? sample * 0x8000 : sample * 0x7fff
      if (this.filled === this.size) {
        const pcm = this.chunk.buffer
        this.port.postMessage({ pcm, peak: this.peak }, [pcm]) // transferred: the array is detached after this
        this.chunk = new Int16Array(this.size)
        this.filled = 0
        this.peak = 0
      }
    }
    return true
  }
}

registerProcessor('linear16', Linear16Processor)
