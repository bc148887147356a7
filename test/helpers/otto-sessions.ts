// The OTTO sample (../shared/data/otto_recsys_train_sample.jsonl) as the processor tests use it: each
// OTTO session is a visitor, imported through a JSON mapping, and its sessions computed without any
// clickflow code (sort each visitor's events, split at 30 minutes of inactivity or 24 hours from the
// start).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from './clickflow-process.ts'

/** The raw file. */
export const OTTO = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'data',
  'otto_recsys_train_sample.jsonl',
)

/** `clickflow import --format jsonl --parser` mapping of the file. */
export const OTTO_MAPPING = JSON.stringify({
  explode: 'events',
  fields: { visitor_id: 'session', event_name: 'type', event_time: 'ts' },
  constants: { event_type: 'track' },
})

/** Events in the file. */
export const OTTO_EVENTS = 862

const GAP_MS = 30 * 60_000
const CAP_MS = 24 * 3_600_000

/** One session: visitor, start, end (epoch ms), events. */
export type OttoSession = [visitor: string, start: number, end: number, events: number]

/** Sessions of the raw file, sorted by visitor and start. */
export function independentOttoSessions(): OttoSession[] {
  const out: OttoSession[] = []
  for (const line of readFileSync(OTTO, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    const s = JSON.parse(line) as { session: number; events: { ts: number }[] }
    const times = s.events.map((e) => e.ts).sort((a, b) => a - b)
    let cur: OttoSession | null = null
    for (const t of times) {
      if (cur && t - cur[2] < GAP_MS && t - cur[1] < CAP_MS) {
        cur[2] = t
        cur[3]++
        continue
      }
      if (cur) out.push(cur)
      cur = [String(s.session), t, t, 1]
    }
    if (cur) out.push(cur)
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1])
}

/** `clickflow import` of the raw file through the mapping into `dataDir` (a running clickflow takes it over). */
export function importOtto(dataDir: string): ReturnType<typeof runCli> {
  return runCli(['import', OTTO, '--format', 'jsonl', '--parser', OTTO_MAPPING, '--data-dir', dataDir])
}
