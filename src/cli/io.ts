/** Where CLI commands write; the real process streams in main.ts. */
export interface CliIo {
  out (line: string): void
  err (line: string): void
}

/** Wrong words on the command line: exit code 2 with the usage text. */
export class UsageError extends Error {
  override name = 'UsageError'
}
