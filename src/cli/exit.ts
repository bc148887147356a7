// How CLI commands end: exit codes and one sentence that says what to fix.
import { ClickflowError, ConfigError } from '../core/errors.ts'

/** Exit codes of the clickflow CLI. */
export const EXIT = {
  ok: 0,
  /** Something failed while running. */
  failure: 1,
  /** The command line or the config is wrong: the message says what to change. */
  usage: 2,
} as const

/** Prints an error for a person and returns the exit code it deserves. */
export function reportError(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`clickflow: ${err.message}\n`)
    return EXIT.usage
  }
  if (err instanceof ClickflowError) {
    process.stderr.write(`clickflow: ${err.message}\n`)
    return err.code === 'invalid_option' ? EXIT.usage : EXIT.failure
  }
  process.stderr.write(
    `clickflow: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  )
  return EXIT.failure
}

/** Parses a port number option; throws a usage error naming the option. */
export function parsePort(value: string, option: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new ClickflowError(
      'invalid_option',
      `${option} must be a port number from 0 to 65535, not "${value}"`,
    )
  }
  return n
}
