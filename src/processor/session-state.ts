// The saved form of open sessions: one document per checkpoint, either a snapshot of every open
// session or a delta (the sessions that changed, and the keys of those that closed or merged away).
// Each session is a positional JSON tuple, not an object with keys: a third of the bytes and of the
// encoding time, and one document per checkpoint instead of one row per session.
import type { EntryContext, PageMark, Session } from './session.ts'
import { sessionId } from './session.ts'

/** The format version written into every document; read() refuses others. */
export const STATE_VERSION = 1

/** One checkpoint's state document, decoded. */
export interface StateDoc {
  /** A snapshot replaces every earlier document; a delta applies on top of them. */
  readonly full: boolean
  /** Sessions to set (by `sid`). */
  readonly open: readonly Session[]
  /** Keys (`sid`) of sessions that left memory (closed or merged away). */
  readonly gone: readonly string[]
}

/** Entry context fields in tuple order. Changing the order needs a new STATE_VERSION. */
const ENTRY_KEYS = [
  'hint_session_id',
  'site',
  'referrer',
  'referrer_host',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'country',
  'region',
  'city',
  'device_type',
  'browser',
  'os',
] as const satisfies readonly (keyof EntryContext)[]

type Encoded = string | number | null | Encoded[]

/** An event id as a reference to the session's first (0) or last (1) event when it is one of them. */
function idRef(s: Session, id: string): string | number {
  return id === s.first_id ? 0 : id === s.last_id ? 1 : id
}

function idOf(ref: unknown, first: string, last: string): string {
  if (ref === 0) return first
  if (ref === 1) return last
  if (typeof ref !== 'string') throw new Error(`processor state: bad event id reference ${String(ref)}`)
  return ref
}

function encodeMark(s: Session, m: PageMark | null): Encoded {
  return m === null ? 0 : [m.t, idRef(s, m.id), m.page]
}

function decodeMark(x: unknown, first: string, last: string): PageMark | null {
  if (x === 0) return null
  const [t, id, page] = x as [number, unknown, string]
  return { t, id: idOf(id, first, last), page }
}

/** A session as a tuple. */
function encodeSession(s: Session): Encoded[] {
  const e = s.entry
  const entry: Encoded[] = new Array(ENTRY_KEYS.length)
  for (let i = 0; i < ENTRY_KEYS.length; i++) entry[i] = e[ENTRY_KEYS[i]!]
  // The id last written is almost always the one the first event gives (1): not spelled out.
  const persisted =
    s.persisted_id !== null && s.persisted_id === s.id && s.id_first === s.first_id ? 1 : s.persisted_id
  return [
    s.sid === s.first_id ? 0 : s.sid,
    s.visitor_id,
    s.first_t,
    s.first_id,
    s.last_t,
    s.last_id,
    entry,
    s.user_id,
    s.user_t,
    s.user_id === null ? 0 : idRef(s, s.user_event),
    s.page_views,
    s.events,
    s.engaged_sum_ms,
    s.engagement_events,
    s.is_bot ? 1 : 0,
    encodeMark(s, s.pv_first),
    encodeMark(s, s.pv_last),
    encodeMark(s, s.any_first),
    encodeMark(s, s.any_last),
    persisted,
    s.persisted_start,
  ]
}

/** A session from its tuple. */
function decodeSession(x: unknown): Session {
  if (!Array.isArray(x) || x.length !== 21) throw new Error('processor state: a session is not a 21-tuple')
  const first_id = x[3] as string
  const last_id = x[5] as string
  const rawEntry = x[6] as (string | null)[]
  const entry = {} as EntryContext
  for (let i = 0; i < ENTRY_KEYS.length; i++) entry[ENTRY_KEYS[i]!] = rawEntry[i] ?? null
  const user_id = x[7] as string | null
  const s: Session = {
    sid: x[0] === 0 ? first_id : (x[0] as string),
    visitor_id: x[1] as string,
    first_t: x[2] as number,
    first_id,
    last_t: x[4] as number,
    last_id,
    entry,
    user_id,
    user_t: x[8] as number,
    user_event: user_id === null ? '' : idOf(x[9], first_id, last_id),
    page_views: x[10] as number,
    events: x[11] as number,
    engaged_sum_ms: x[12] as number,
    engagement_events: x[13] as number,
    is_bot: x[14] === 1,
    pv_first: decodeMark(x[15], first_id, last_id),
    pv_last: decodeMark(x[16], first_id, last_id),
    any_first: decodeMark(x[17], first_id, last_id),
    any_last: decodeMark(x[18], first_id, last_id),
    persisted_id: null,
    persisted_start: (x[20] as number | null) ?? null,
    id: null,
    id_first: null,
  }
  s.persisted_id = x[19] === 1 ? sessionId(s) : (x[19] as string | null)
  return s
}

/**
 * One checkpoint's state document. Encoded when the checkpoint is cut (synchronously), because the
 * sessions go on changing while the transaction runs.
 */
export function encodeStateDoc(full: boolean, open: Iterable<Session>, gone: readonly string[]): string {
  const tuples: Encoded[][] = []
  for (const s of open) tuples.push(encodeSession(s))
  return JSON.stringify({ v: STATE_VERSION, full, gone, open: tuples })
}

/** Decodes a document written by {@link encodeStateDoc}; throws on anything else. */
export function decodeStateDoc(text: string): StateDoc {
  const doc = JSON.parse(text) as { v?: unknown; full?: unknown; gone?: unknown; open?: unknown }
  if (doc.v !== STATE_VERSION)
    throw new Error(`processor state: format version ${String(doc.v)}, this version reads ${STATE_VERSION}`)
  if (!Array.isArray(doc.open) || !Array.isArray(doc.gone))
    throw new Error('processor state: malformed document')
  return { full: doc.full === true, open: doc.open.map(decodeSession), gone: doc.gone as string[] }
}

/**
 * Folds documents, oldest first, into the open sessions they describe: a snapshot starts over, a
 * delta sets changed sessions and removes gone ones. `base` holds sessions saved before (older format).
 */
export function foldStateDocs(base: readonly Session[], docs: readonly StateDoc[]): Session[] {
  const bySid = new Map<string, Session>()
  for (const s of base) bySid.set(s.sid, s)
  for (const d of docs) {
    if (d.full) bySid.clear()
    for (const sid of d.gone) bySid.delete(sid)
    for (const s of d.open) bySid.set(s.sid, s)
  }
  return [...bySid.values()]
}
