// Reads a Delta Lake table's transaction log (PROTOCOL.md): lists `_delta_log/`, starts from the
// newest usable checkpoint (`_last_checkpoint` first, then the listing, then none), replays the
// JSON commits after it, and yields the snapshot of a version or of a point in time.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type Action,
  type AddAction,
  type CommitInfoAction,
  commitFileName,
  decodeDataPath,
  type MetadataAction,
  type ProtocolAction,
  parseCommit,
  parseLogFileName,
  type RemoveAction,
  type TxnAction,
} from './actions.ts'
import { DeltaError } from './delta-errors.ts'
import { type ConnectionSource, readCheckpointActions } from './parquet-io.ts'

/** The state of a table at one version. Files are keyed by their decoded relative path. */
export interface Snapshot {
  readonly version: number
  /** Commit time in ms (commitInfo.timestamp, or the commit file's mtime). */
  readonly timestamp: number
  readonly protocol: ProtocolAction
  readonly metadata: MetadataAction
  readonly files: ReadonlyMap<string, AddAction>
  readonly tombstones: ReadonlyMap<string, RemoveAction>
  readonly txns: ReadonlyMap<string, TxnAction>
  /** The checkpoint the replay started from, if any. */
  readonly checkpointVersion: number | null
}

/** One line of `history`. */
export interface HistoryEntry {
  readonly version: number
  readonly timestamp: number
  readonly operation: string | null
  readonly operationParameters: unknown
  readonly operationMetrics: unknown
}

/** What to read: the newest version, a version, or the newest version committed at or before a time. */
export type AsOf = { readonly version: number } | { readonly timestamp: number } | undefined

interface Listing {
  readonly commits: ReadonlyMap<number, string>
  /** Complete checkpoints only (every part present), newest first. */
  readonly checkpoints: readonly { readonly version: number; readonly files: readonly string[] }[]
}

/** Reader features whose data this reader interprets correctly (none changes which rows a file holds). */
const SUPPORTED_READER_FEATURES = new Set(['timestampNtz', 'vacuumProtocolCheck'])

/** A Delta table on the local file system. */
export class DeltaTable {
  readonly root: string
  readonly logDir: string
  readonly #db: ConnectionSource
  /** Warnings of the last load (a `_last_checkpoint` or checkpoint that could not be used). */
  warnings: string[] = []

  constructor(root: string, db: ConnectionSource) {
    this.root = root
    this.logDir = join(root, '_delta_log')
    this.#db = db
  }

  async #list(): Promise<Listing> {
    let names: string[]
    try {
      names = await readdir(this.logDir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { commits: new Map(), checkpoints: [] }
      throw err
    }
    const commits = new Map<number, string>()
    const parts = new Map<string, { version: number; parts: number; files: Map<number, string> }>()
    for (const name of names) {
      const f = parseLogFileName(name)
      if (!f) continue
      if (f.kind === 'commit') commits.set(f.version, join(this.logDir, name))
      else {
        const key = `${f.version}/${f.parts}`
        const entry = parts.get(key) ?? { version: f.version, parts: f.parts, files: new Map() }
        entry.files.set(f.part, join(this.logDir, name))
        parts.set(key, entry)
      }
    }
    const checkpoints = [...parts.values()]
      .filter((c) => c.files.size === c.parts)
      .sort((a, b) => b.version - a.version)
      .map((c) => ({
        version: c.version,
        files: [...c.files.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]),
      }))
    return { commits, checkpoints }
  }

  /** Whether the table has a log at all. */
  async exists(): Promise<boolean> {
    const l = await this.#list()
    return l.commits.size > 0 || l.checkpoints.length > 0
  }

  /** The newest version, or null for a table with no log yet. */
  async latestVersion(): Promise<number | null> {
    const l = await this.#list()
    let v = -1
    for (const k of l.commits.keys()) v = Math.max(v, k)
    for (const c of l.checkpoints) v = Math.max(v, c.version)
    return v < 0 ? null : v
  }

  async #lastCheckpointHint(): Promise<number | null> {
    let text: string
    try {
      text = await readFile(join(this.logDir, '_last_checkpoint'), 'utf8')
    } catch {
      return null
    }
    try {
      const v = (JSON.parse(text) as { version?: unknown }).version
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v
    } catch {
      // Handled below: a corrupt hint is only a hint (PROTOCOL.md: readers fall back to listing).
    }
    this.warnings.push('_last_checkpoint is unreadable; the log was listed instead')
    return null
  }

  async #commitActions(path: string): Promise<Action[]> {
    return parseCommit(await readFile(path, 'utf8'), path)
  }

  async #commitTimestamp(path: string, actions: readonly Action[]): Promise<number> {
    for (const a of actions) {
      if ('commitInfo' in a) {
        const ci = a.commitInfo as CommitInfoAction & { inCommitTimestamp?: number }
        if (typeof ci.inCommitTimestamp === 'number') return ci.inCommitTimestamp
        if (typeof ci.timestamp === 'number') return ci.timestamp
      }
    }
    return (await stat(path)).mtimeMs
  }

  /** The snapshot at `asOf` (default: the newest version). */
  async snapshot(asOf?: AsOf): Promise<Snapshot> {
    this.warnings = []
    const listing = await this.#list()
    const latest = await this.latestVersion()
    if (latest === null)
      throw new DeltaError(
        'delta_table_missing',
        `${this.root} is not a Delta table: ${this.logDir} holds no commits`,
      )
    let target = latest
    if (asOf && 'version' in asOf) {
      if (!Number.isInteger(asOf.version) || asOf.version < 0 || asOf.version > latest)
        throw new DeltaError(
          'delta_version_missing',
          `version ${asOf.version} does not exist: the table has versions up to ${latest}`,
        )
      target = asOf.version
    } else if (asOf && 'timestamp' in asOf) {
      target = await this.#versionAt(listing, asOf.timestamp)
    }
    const hint = await this.#lastCheckpointHint()
    const candidates = [...listing.checkpoints.filter((c) => c.version <= target)]
    if (hint !== null && hint <= target) {
      const i = candidates.findIndex((c) => c.version === hint)
      if (i > 0) candidates.unshift(...candidates.splice(i, 1))
      else if (i < 0)
        this.warnings.push(
          `_last_checkpoint names version ${hint}, whose checkpoint is missing or incomplete`,
        )
    }
    for (const cp of candidates) {
      let base: Action[]
      try {
        base = []
        for (const f of cp.files) base.push(...(await readCheckpointActions(this.#db, f)))
      } catch (err) {
        this.warnings.push(
          `checkpoint ${cp.version} is unreadable (${(err as Error).message}); using an older one`,
        )
        continue
      }
      return this.#replay(listing, base, cp.version, target)
    }
    return this.#replay(listing, [], null, target)
  }

  async #replay(listing: Listing, base: Action[], from: number | null, target: number): Promise<Snapshot> {
    const state = new ReplayState()
    state.apply(base)
    let timestamp = 0
    const first = from === null ? 0 : from + 1
    for (let v = first; v <= target; v++) {
      const path = listing.commits.get(v)
      if (!path) {
        const have = [...listing.commits.keys()].sort((a, b) => a - b)
        throw new DeltaError(
          'delta_log_not_contiguous',
          `the Delta log of ${this.root} is broken: version ${v} is missing` +
            (from === null ? '' : ` after checkpoint ${from}`) +
            ` (commits present: ${have.join(', ')}); the table cannot be read at version ${target}`,
        )
      }
      const actions = await this.#commitActions(path)
      state.apply(actions)
      timestamp = await this.#commitTimestamp(path, actions)
    }
    if (first > target && from !== null) {
      const path = listing.commits.get(target)
      timestamp = path
        ? await this.#commitTimestamp(path, await this.#commitActions(path))
        : (await stat(listing.checkpoints.find((c) => c.version === from)!.files[0]!)).mtimeMs
    }
    if (!state.protocol || !state.metadata)
      throw new DeltaError(
        'delta_log_incomplete',
        `the Delta log of ${this.root} has no ${state.protocol ? 'metaData' : 'protocol'} action up to version ${target}`,
      )
    checkReadable(state.protocol, state.metadata, this.root)
    return {
      version: target,
      timestamp,
      protocol: state.protocol,
      metadata: state.metadata,
      files: state.files,
      tombstones: state.tombstones,
      txns: state.txns,
      checkpointVersion: from,
    }
  }

  /** Commit timestamps made monotonic as Spark does (a commit is never earlier than the one before). */
  async #timeline(listing: Listing): Promise<{ version: number; timestamp: number }[]> {
    const versions = [...listing.commits.keys()].sort((a, b) => a - b)
    const out: { version: number; timestamp: number }[] = []
    let prev = Number.NEGATIVE_INFINITY
    for (const v of versions) {
      const path = listing.commits.get(v)!
      let ts = await this.#commitTimestamp(path, await this.#commitActions(path))
      if (ts <= prev) ts = prev + 1
      prev = ts
      out.push({ version: v, timestamp: ts })
    }
    return out
  }

  async #versionAt(listing: Listing, timestamp: number): Promise<number> {
    const timeline = await this.#timeline(listing)
    let found: number | null = null
    for (const t of timeline) if (t.timestamp <= timestamp) found = t.version
    if (found === null) {
      const first = timeline[0]
      throw new DeltaError(
        'delta_timestamp_too_early',
        `${new Date(timestamp).toISOString()} is before the table's earliest commit` +
          (first ? ` (version ${first.version} at ${new Date(first.timestamp).toISOString()})` : ''),
      )
    }
    return found
  }

  /** Every commit still in the log, newest first, with its commitInfo. */
  async history(): Promise<HistoryEntry[]> {
    const listing = await this.#list()
    const versions = [...listing.commits.keys()].sort((a, b) => b - a)
    const out: HistoryEntry[] = []
    for (const v of versions) {
      const path = listing.commits.get(v)!
      const actions = await this.#commitActions(path)
      const ci = actions.find((a): a is { commitInfo: CommitInfoAction } => 'commitInfo' in a)?.commitInfo
      out.push({
        version: v,
        timestamp: await this.#commitTimestamp(path, actions),
        operation: typeof ci?.operation === 'string' ? ci.operation : null,
        operationParameters: ci?.operationParameters ?? null,
        operationMetrics: ci?.operationMetrics ?? null,
      })
    }
    return out
  }

  /** The commit file of `version` (whether or not it exists). */
  commitPath(version: number): string {
    return join(this.logDir, commitFileName(version))
  }
}

/** Applies actions in log order (PROTOCOL.md "Action Reconciliation"). */
class ReplayState {
  protocol: ProtocolAction | null = null
  metadata: MetadataAction | null = null
  readonly files = new Map<string, AddAction>()
  readonly tombstones = new Map<string, RemoveAction>()
  readonly txns = new Map<string, TxnAction>()

  apply(actions: readonly Action[]): void {
    for (const a of actions) {
      if ('add' in a) {
        const key = decodeDataPath(a.add.path)
        this.files.set(key, a.add)
        this.tombstones.delete(key)
      } else if ('remove' in a) {
        const key = decodeDataPath(a.remove.path)
        this.files.delete(key)
        this.tombstones.set(key, a.remove)
      } else if ('txn' in a) this.txns.set(a.txn.appId, a.txn)
      else if ('protocol' in a) this.protocol = a.protocol
      else if ('metaData' in a) this.metadata = a.metaData
    }
  }
}

function checkReadable(p: ProtocolAction, m: MetadataAction, root: string): void {
  const mapping = m.configuration['delta.columnMapping.mode']
  if (mapping && mapping !== 'none')
    throw new DeltaError(
      'delta_unsupported',
      `${root} uses column mapping (${mapping}), which this reader does not support`,
    )
  if (p.minReaderVersion > 3)
    throw new DeltaError(
      'delta_unsupported',
      `${root} needs Delta reader version ${p.minReaderVersion}; this reader has 3`,
    )
  const missing = (p.readerFeatures ?? []).filter((f) => !SUPPORTED_READER_FEATURES.has(f))
  if (missing.length > 0)
    throw new DeltaError(
      'delta_unsupported',
      `${root} needs reader features this reader lacks: ${missing.join(', ')}`,
    )
}
