import crypto from 'node:crypto'

/** 32 random bytes as 64 hex characters: valid in an HTTP header, a URL query and Sec-WebSocket-Protocol alike. */
export const generateToken = (): string => crypto.randomBytes(32).toString('hex')

// crypto.hash (Node >= 20.12) is the one-shot form: half the cost of createHash on the per-request auth path.
export const hashToken = (token: string): string =>
  typeof crypto.hash === 'function' ? crypto.hash('sha256', token, 'hex') : crypto.createHash('sha256').update(token).digest('hex')

export const PREFIX_LENGTH = 8

export const displayPrefix = (token: string): string => token.slice(0, PREFIX_LENGTH)

/** `30d`, `12h`, `2w`, `1y` or `never`; returns the expiry instant, or null for never. */
export function parseExpiry (value: string, now: Date = new Date()): Date | null {
  if (value === 'never') return null
  const match = /^(\d+)([hdwy])$/.exec(value)
  if (match === null) throw new Error(`invalid expiry '${value}': use e.g. 12h, 30d, 2w, 1y or never`)
  const n = Number(match[1])
  if (n <= 0) throw new Error(`invalid expiry '${value}': must be greater than zero`)
  const hours = { h: 1, d: 24, w: 24 * 7, y: 24 * 365 }[match[2] as 'h' | 'd' | 'w' | 'y']
  return new Date(now.getTime() + n * hours * 3600_000)
}
