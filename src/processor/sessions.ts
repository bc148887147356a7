// Sessionization per visitor: a session ends after `gapMs` without events and is cut at `maxMs`
// from its start; a late event within the gap of two sessions merges them (the merged-away row is
// deleted from the table). Sessions stay in memory until no event that is not late can reach them
// (end + gap <= watermark - allowed lateness), then only their final row remains.
import type { ProcessorEvent } from './event-fields.ts'
import { addEvent, mergeInto, newSession, type Session, type SessionRow, sessionRow } from './session.ts'
import { encodeStateDoc } from './session-state.ts'

/** Sessionization settings. */
export interface SessionOptions {
  readonly gapMs: number
  readonly maxMs: number
  readonly allowedLatenessMs: number
  readonly bounceEngagedMs: number
}

/** What a checkpoint writes for the sessions: rows, deletions and the open sessions' state. */
export interface SessionChanges {
  /** Rows to write: open sessions that changed, and sessions closed since the last checkpoint. */
  readonly rows: readonly SessionRow[]
  /** Per row: whether the table already holds a row under the same id (it is replaced). */
  readonly replaces: readonly boolean[]
  /** Other session ids to delete: merged away, or renamed when an earlier event arrived. */
  readonly deleteIds: readonly string[]
  /**
   * The earliest start time of a row deleted or replaced (every such row starts at or after it, so
   * the delete skips older parts of the table); null when no row goes, -Infinity when unknown.
   */
  readonly deleteFrom: number | null
  /**
   * The open sessions' state document (session-state.ts), encoded when drained because the
   * sessions go on changing while the checkpoint is written; null when no open session changed
   * or left.
   */
  readonly state: string | null
  /** Whether `state` is a snapshot of every open session (earlier documents can go). */
  readonly stateIsSnapshot: boolean
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
  /** Earliest start of a row deleted since the last drain (merged away). */
  #deleteFrom: number | null = null
  #open = 0
  /** Session entries in state deltas since the last snapshot, and whether the next must be one. */
  #sinceSnapshot = 0
  #snapshotNext = true

  constructor(options: SessionOptions) {
    this.#o = options
  }

  /** Open sessions held in memory. */
  get openCount(): number {
    return this.#open
  }

  /** Adds an event (not late) of `visitorId`. */
  add(e: ProcessorEvent, visitorId: string): void {
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

  #addOutOfOrder(list: Session[], e: ProcessorEvent, visitorId: string): void {
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
      this.#noteDeleted(s.persisted_start)
    }
  }

  #noteDeleted(start: number | null): void {
    const t = start ?? Number.NEGATIVE_INFINITY
    if (this.#deleteFrom === null || t < this.#deleteFrom) this.#deleteFrom = t
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

  /**
   * Forgets every session of these visitors (an erasure): nothing of theirs is written again, rows
   * already written are deleted at the next drain, and the next state document is a snapshot, which
   * replaces the documents that held them. Returns how many sessions went.
   */
  erase(visitors: ReadonlySet<string>): number {
    let n = 0
    for (const v of visitors) {
      const list = this.#byVisitor.get(v)
      if (!list) continue
      for (const s of list) this.#forget(s)
      this.#open -= list.length
      n += list.length
      this.#byVisitor.delete(v)
    }
    // Closed since the last drain, not written yet.
    for (const s of this.#closed)
      if (visitors.has(s.visitor_id)) {
        this.#closed.delete(s)
        this.#forget(s)
        n++
      }
    for (const s of this.#dirty) if (visitors.has(s.visitor_id)) this.#dirty.delete(s)
    if (n > 0) this.#snapshotNext = true
    return n
  }

  /** Whether anything changed since the last drain. */
  get changed(): boolean {
    return this.#dirty.size > 0 || this.#deleteIds.size > 0 || this.#deleteStates.size > 0
  }

  /**
   * Everything changed since the last call; marks it written. The state is a delta (changed and
   * gone sessions) or, when a delta would be as large as one or the deltas since the last snapshot
   * hold more entries than there are open sessions, a snapshot: reading back costs at most about
   * two snapshots, and a checkpoint writes about what changed.
   */
  drain(): SessionChanges {
    const rows: SessionRow[] = []
    const replaces: boolean[] = []
    const changedOpen: Session[] = []
    for (const s of this.#dirty) {
      const row = sessionRow(s, this.#o)
      if (s.persisted_id !== null) {
        // An earlier event changed the session's first event, hence its id: the old row goes.
        if (s.persisted_id !== row.session_id) this.#deleteIds.add(s.persisted_id)
        this.#noteDeleted(s.persisted_start)
      }
      replaces.push(s.persisted_id === row.session_id)
      rows.push(row)
      s.persisted_id = row.session_id
      s.persisted_start = row.start_time
      if (!this.#closed.has(s)) changedOpen.push(s)
    }
    const gone = [...this.#deleteStates]
    let state: string | null = null
    let snapshot = false
    if (changedOpen.length > 0 || gone.length > 0) {
      const entries = changedOpen.length + gone.length
      snapshot = this.#snapshotNext || entries * 2 >= this.#open || this.#sinceSnapshot + entries > this.#open
      if (snapshot) {
        state = encodeStateDoc(true, this.#openIterable(), [])
        this.#sinceSnapshot = 0
        this.#snapshotNext = false
      } else {
        state = encodeStateDoc(false, changedOpen, gone)
        this.#sinceSnapshot += entries
      }
    }
    const changes: SessionChanges = {
      rows,
      replaces,
      deleteIds: [...this.#deleteIds],
      deleteFrom: this.#deleteFrom,
      state,
      stateIsSnapshot: snapshot,
    }
    this.#dirty.clear()
    this.#closed.clear()
    this.#deleteIds.clear()
    this.#deleteStates.clear()
    this.#deleteFrom = null
    return changes
  }

  *#openIterable(): Iterable<Session> {
    for (const list of this.#byVisitor.values()) yield* list
  }

  /** Every open session (for a full snapshot in tests and tools). */
  openSessions(): Session[] {
    return [...this.#byVisitor.values()].flat()
  }

  /**
   * Restores open sessions from their saved states (all of them written before). The next state
   * written is a snapshot, which compacts whatever documents the restore read.
   */
  restore(states: readonly Session[]): void {
    this.#byVisitor.clear()
    this.#dirty.clear()
    this.#closed.clear()
    this.#deleteIds.clear()
    this.#deleteStates.clear()
    this.#deleteFrom = null
    this.#sinceSnapshot = 0
    this.#snapshotNext = true
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
