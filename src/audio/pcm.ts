/**
 * What everything downstream of decoding works on: mono Float32 PCM at SAMPLE_RATE. The decoders and the live
 * intake resample to it; whisper takes it as is, and so does Silero's 16 kHz model. The one place the rate is
 * written: every other module imports it from here.
 */
export const SAMPLE_RATE = 16000
