// How numbers, shares, durations and times read on screen.

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 })
const whole = new Intl.NumberFormat('en')

/** 1234 -> "1,234"; from 100,000 up "123.5K". */
export function num(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—'
  return Math.abs(n) >= 100_000 ? compact.format(n) : whole.format(Math.round(n * 100) / 100)
}

/** 0.4567 -> "45.7%". */
export function pct(share: number | null | undefined): string {
  if (share === null || share === undefined || Number.isNaN(share)) return '—'
  return `${(share * 100).toFixed(share >= 0.1 || share === 0 ? 1 : 2)}%`
}

/** Seconds -> "1h 2m", "3m 04s", "12s". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
}

/** Relative change from `before` to `now`; null when there is nothing to compare with. */
export function change(now: number | null, before: number | null): number | null {
  if (now === null || before === null) return null
  if (before === 0) return now === 0 ? 0 : null
  return (now - before) / before
}

/** An ISO time in a time zone, short. */
export function time(iso: string, tz: string, withDate = false): string {
  const d = new Date(iso)
  return d.toLocaleString('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    second: withDate ? undefined : '2-digit',
    ...(withDate ? { day: 'numeric', month: 'short' } : {}),
  })
}
