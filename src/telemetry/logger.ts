// Structured JSON logs (pino). One root logger per process; components get children labelled with
// their id and type.
import { type Logger, pino } from 'pino'

export type { Logger }

/** Options for the root logger. */
export interface LoggerOptions {
  level?: string
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: NodeJS.WritableStream
}

/** Creates the process's root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'clickflow', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ sync: true }),
  )
}
