// audio-type (the format sniffer audio-decode itself uses) ships no type declarations.
declare module 'audio-type' {
  /** A short format name ('wav', 'mp3', 'opus', 'oga', 'webm', ...) or undefined when unrecognised. */
  export default function audioType (buf: Uint8Array | ArrayBuffer): string | undefined
}
