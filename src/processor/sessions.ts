// Sessionization per visitor: a session ends after `gapMs` without events and is cut at `maxMs`
// from its start; a late event within the gap of two sessions merges them (the merged-away row is
// deleted from the table). Sessions stay in memory until no event that is not late can reach them
// (end + gap <= watermark - allowed lateness), then only their final row remains.
import type { ClickEvent } from '../core/event.ts'
import { addEvent, mergeInto, newSession, type Session, type SessionRow, sessionRow } from './session.ts'

/** Sessionization settings. */
export interface SessionOptions {
  readonly gapMs: number
  readonly maxMs: number
  readonly allowedLatenessMs: number
  readonly bounceEngagedMs: number
}

/** What a checkpoint writes for the sessions: rows, deletions and the open sessions' state. */
export interface SessionChanges {
  /** Session ids to delete from the table first (merged away, or renamed when an earlier event arrived). */
  readonly deleteIds: readonly string[]
  /** Rows to upsert (open sessions that changed, and sessions closed since the last checkpoint). */
  readonly rows: readonly SessionRow[]
  /**
   * State of open sessions that changed, to replace by `sid`, serialized when drained: the write
   * happens while the engine goes on changing the sessions.
   */
  readonly openStates: readonly { readonly sid: string; readonly json: string }[]
  /** State keys (`sid`) to delete: sessions closed or merged away. */
  readonly deleteStates: readonly string[]
}

/** The sessions of every visitor seen in the last gap + lateness. */
export class Sessionizer {
  readonly #o: SessionOptions
  /** Per visitor, open sessions sorted by start. */
  readonly #byVisitor = new Map<string, Session[]>()
  readonly #dirty = new Set<Session>()
  readonly #closed = new Set<Session>()
  readonly #deleteIds = new Set<string>()
  readonly #deleteStates = new Set<string>()
  #open = 0

  constructor(options: SessionOptions) {
    this.#o = options
  }

  /** Open sessions held in memory. */
  get openCount(): number {
    return this.#open
  }

  /** Adds an event (not late) of `visitorId`. */
  add(e: ClickEvent, visitorId: string): void {
    const { gapMs, maxMs } = this.#o
    const t = e.event_time
    const list = this.#byVisitor.get(visitorId)
    if (!list) {
      const s = newSession(e, visitorId)
      this.#byVisitor.set(visitorId, [s])
      this.#open++
      this.#dirty.add(s)
      return
    }
    // In order (the common case): the event extends the visitor's latest session or starts a new one.
    const last = list[list.length - 1]!
    if (t >= last.last_t) {
      if (t - last.last_t < gapMs && t - last.first_t < maxMs) {
        addEvent(last, e)
        this.#dirty.add(last)
      } else {
        const s = newSession(e, visitorId)
        list.push(s)
        this.#open++
        this.#dirty.add(s)
      }
      return
    }
    this.#addOutOfOrder(list, e, visitorId)
  }

  #addOutOfOrder(list: Session[], e: ClickEvent, visitorId: string): void {
    const { gapMs, maxMs } = this.#o
    const t = e.event_time
    const within = (s: Session) =>
      t > s.first_t - gapMs && t < s.last_t + gapMs && Math.max(s.last_t, t) - Math.min(s.first_t, t) < maxMs
    const candidates = list.filter(within)
    if (candidates.length === 0) {
      const s = newSession(e, visitorId)
      list.push(s)
      list.sort((a, b) => a.first_t - b.first_t)
      this.#open++
      this.#dirty.add(s)
      return
    }
    const target = candidates[0]!
    addEvent(target, e)
    this.#dirty.add(target)
    // The event may bridge the gap to later sessions: they become one (within the cap).
    for (const other of candidates.slice(1)) {
      const span = Math.max(target.last_t, other.last_t) - Math.min(target.first_t, other.first_t)
      if (span >= maxMs) continue
      mergeInto(target, other)
      list.splice(list.indexOf(other), 1)
      this.#open--
      this.#forget(other)
    }
    list.sort((a, b) => a.first_t - b.first_t)
  }

  /** A session merged away: its row and state go, and it is no longer written. */
  #forget(s: Session): void {
    this.#dirty.delete(s)
    if (s.persisted_id !== null) {
      this.#deleteIds.add(s.persisted_id)
      this.#deleteStates.add(s.sid)
    }
  }

  /** Drops from memory sessions that no non-late event can reach any more; returns how many. */
  evict(watermark: number): number {
    const horizon = watermark - this.#o.allowedLatenessMs - this.#o.gapMs
    let n = 0
    for (const [visitor, list] of this.#byVisitor) {
      // A non-late event has t >= watermark - lateness, so t - end >= gap for every evicted session.
      // Sessions are sorted by start, not end (one may end early behind a long one): check all.
      for (let i = list.length - 1; i >= 0; i--) {
        const s = list[i]!
        if (s.last_t > horizon) continue
        list.splice(i, 1)
        this.#closed.add(s)
        if (s.persisted_id !== null) this.#deleteStates.add(s.sid)
        n++
      }
      if (list.length === 0) this.#byVisitor.delete(visitor)
    }
    this.#open -= n
    return n
  }

  /** Whether anything changed since the last drain. */
  get changed(): boolean {
    return this.#dirty.size > 0 || this.#deleteIds.size > 0 || this.#deleteStates.size > 0
  }

  /** Everything changed since the last call; marks it written. */
  drain(): SessionChanges {
    const rows: SessionRow[] = []
    const openStates: { sid: string; json: string }[] = []
    for (const s of this.#dirty) {
      const row = sessionRow(s, this.#o)
      // An earlier event changed the session's first event, hence its id: the old row goes.
      if (s.persisted_id !== null && s.persisted_id !== row.session_id) this.#deleteIds.add(s.persisted_id)
      rows.push(row)
      const closed = this.#closed.has(s)
      s.persisted_id = row.session_id
      if (!closed) openStates.push({ sid: s.sid, json: JSON.stringify(s) })
    }
    const changes: SessionChanges = {
      deleteIds: [...this.#deleteIds],
      rows,
      openStates,
      deleteStates: [...this.#deleteStates],
    }
    this.#dirty.clear()
    this.#closed.clear()
    this.#deleteIds.clear()
    this.#deleteStates.clear()
    return changes
  }

  /** Every open session (for a full snapshot in tests and tools). */
  openSessions(): Session[] {
    return [...this.#byVisitor.values()].flat()
  }

  /** Restores open sessions from their saved states (all of them written before). */
  restore(states: readonly Session[]): void {
    this.#byVisitor.clear()
    this.#dirty.clear()
    this.#closed.clear()
    this.#deleteIds.clear()
    this.#deleteStates.clear()
    for (const s of states) {
      let list = this.#byVisitor.get(s.visitor_id)
      if (!list) {
        list = []
        this.#byVisitor.set(s.visitor_id, list)
      }
      list.push(s)
    }
    for (const list of this.#byVisitor.values()) list.sort((a, b) => a.first_t - b.first_t)
    this.#open = states.length
  }
}
