// Durations in config as people write them (`30s`, `5m`, `1h`, `7d`), kept as text for display and
// turned into milliseconds where used.
import { z } from 'zod'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PATTERN = /^(\d+)(ms|s|m|h|d)$/

/** Milliseconds of a duration text that matched {@link durationText}. */
export function durationMs(text: string): number {
  const m = PATTERN.exec(text)
  if (!m) throw new Error(`not a duration: ${text}`)
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

/** A zod string of a duration such as `30s`, `5m`, `1h`. */
export function durationText(what: string): z.ZodString {
  return z.string().regex(PATTERN, `${what} must be a number with a unit: ms, s, m, h or d (e.g. 30s, 5m)`)
}
