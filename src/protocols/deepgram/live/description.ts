/** Deepgram's live protocol as earshot speaks it, for the route's OpenAPI description (/docs). */
import { MAX_HELD_BYTES, MAX_UNPROCESSED_BYTES, MAX_UNPROCESSED_FRAMES, PAUSED_PING_MS } from '../../../live/tuning.ts'

export const LIVE_DESCRIPTION = `Deepgram-compatible live transcription: open a WebSocket here and any Deepgram live client works unchanged.

Authenticate with \`Authorization: Token <key>\` (or \`Bearer\`, \`X-API-Token\`), \`?token=<key>\`, or from a browser
\`Sec-WebSocket-Protocol: token, <key>\` (the server answers \`token\`). A refused or invalid request gets a plain
HTTP error (with a \`dg-error\` header) and never a socket.

Client -> server: binary audio frames; text frames \`{"type":"KeepAlive"}\`, \`{"type":"Finalize"}\` (flush: the
resulting Results carry \`from_finalize: true\`) and \`{"type":"CloseStream"}\` (flush, then Metadata, then close 1000).

Server -> client (JSON text frames): \`Results\` (interim with interim_results=true, then final with is_final,
and speech_final at an endpoint), \`SpeechStarted\` (vad_events=true), \`UtteranceEnd\` (utterance_end_ms), and
\`Metadata\` last. Times are audio seconds from the start of the stream.

Closes: 1000 after CloseStream; 1008 \`DATA-0000\` for a text frame that is not JSON (other JSON messages are ignored) or undecodable audio; 1011
\`NET-0001\` after 10 s with neither audio nor a text frame; 1008 \`LIMIT-0001\` when the session reaches its
maximum audio length (finals and Metadata are sent first); 1008 \`LIMIT-0002\` when far more audio is waiting to be
transcribed than allowed, or more than ${MAX_HELD_BYTES / 1048576} MiB of received frames wait to be processed
(reading pauses first, at the buffer limit or at ${MAX_UNPROCESSED_FRAMES} frames or ${MAX_UNPROCESSED_BYTES / 1024} KiB not yet
decoded, so only a client that ignores TCP backpressure gets there); 1001 when the server shuts down (after its
buffered finals and Metadata).

While reading is paused the server pings the client every ${PAUSED_PING_MS} ms, so a client that hangs up is noticed
within a second and its queued and running decodes are dropped.

Without an \`Upgrade: websocket\` header the route answers with this endpoint's limits instead.`
