// Delta Lake transaction log actions (PROTOCOL.md, "Actions"): the JSON shapes of one line of a
// commit file or one row of a checkpoint, and how commit files are named.

/** `protocol`: the reader and writer versions (and table features) a table requires. */
export interface ProtocolAction {
  readonly minReaderVersion: number
  readonly minWriterVersion: number
  readonly readerFeatures?: readonly string[] | null
  readonly writerFeatures?: readonly string[] | null
}

/** `metaData`: schema (a JSON string in Spark's struct format), partition columns, configuration. */
export interface MetadataAction {
  readonly id: string
  readonly name?: string | null
  readonly description?: string | null
  readonly format: { readonly provider: string; readonly options: Readonly<Record<string, string>> }
  readonly schemaString?: string
  readonly partitionColumns: readonly string[]
  readonly configuration: Readonly<Record<string, string>>
  readonly createdTime?: number | null
}

/** `add`: a data file becomes part of the table. `path` is a URI-encoded path relative to the table. */
export interface AddAction {
  readonly path: string
  readonly partitionValues: Readonly<Record<string, string | null>>
  readonly size: number
  readonly modificationTime: number
  readonly dataChange: boolean
  /** JSON string: numRecords, minValues, maxValues, nullCount. */
  readonly stats?: string | null
  readonly tags?: Readonly<Record<string, string>> | null
  readonly deletionVector?: unknown
}

/** `remove`: a data file leaves the table (a tombstone kept until vacuum). */
export interface RemoveAction {
  readonly path: string
  readonly deletionTimestamp?: number | null
  readonly dataChange: boolean
  readonly extendedFileMetadata?: boolean | null
  readonly partitionValues?: Readonly<Record<string, string | null>> | null
  readonly size?: number | null
  readonly deletionVector?: unknown
}

/** `txn`: the latest version an application committed, so its retries are idempotent. */
export interface TxnAction {
  readonly appId: string
  readonly version: number
  readonly lastUpdated?: number | null
}

/** `commitInfo`: free-form provenance (operation, parameters, timestamp). */
export type CommitInfoAction = Readonly<Record<string, unknown>> & { readonly timestamp?: number }

/** One action: an object with exactly one of these keys. */
export type Action =
  | { readonly protocol: ProtocolAction }
  | { readonly metaData: MetadataAction }
  | { readonly add: AddAction }
  | { readonly remove: RemoveAction }
  | { readonly txn: TxnAction }
  | { readonly commitInfo: CommitInfoAction }
  | { readonly cdc: unknown }
  | { readonly domainMetadata: unknown }

/** `<20-digit version>.json`. */
export function commitFileName(version: number): string {
  return `${String(version).padStart(20, '0')}.json`
}

/** `<20-digit version>.checkpoint.parquet`. */
export function checkpointFileName(version: number): string {
  return `${String(version).padStart(20, '0')}.checkpoint.parquet`
}

/** A file name in `_delta_log/` understood: a commit, a checkpoint (maybe one part of several), or neither. */
export type LogFileName =
  | { readonly kind: 'commit'; readonly version: number }
  | { readonly kind: 'checkpoint'; readonly version: number; readonly part: number; readonly parts: number }

/** Classifies a `_delta_log/` entry; `null` for anything else (crc files, `_last_checkpoint`, temp files). */
export function parseLogFileName(name: string): LogFileName | null {
  let m = /^(\d{20})\.json$/.exec(name)
  if (m) return { kind: 'commit', version: Number(m[1]) }
  m = /^(\d{20})\.checkpoint\.parquet$/.exec(name)
  if (m) return { kind: 'checkpoint', version: Number(m[1]), part: 1, parts: 1 }
  m = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/.exec(name)
  if (m) return { kind: 'checkpoint', version: Number(m[1]), part: Number(m[2]), parts: Number(m[3]) }
  return null
}

/** Parses the newline-delimited JSON of a commit file. */
export function parseCommit(text: string, where: string): Action[] {
  const out: Action[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch {
      throw new SyntaxError(`${where} line ${i + 1} is not JSON`)
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new SyntaxError(`${where} line ${i + 1} is not an action object`)
    out.push(v as Action)
  }
  return out
}

/** Serialises actions as a commit file's contents (one JSON object per line). */
export function serializeCommit(actions: readonly Action[]): string {
  return `${actions.map((a) => JSON.stringify(a)).join('\n')}\n`
}

/** The file a (URI-encoded) add/remove path names, relative to the table root. */
export function decodeDataPath(path: string): string {
  return decodeURIComponent(path)
}

/** Encodes a relative file path the way Delta stores it in `add.path`: a relative URI, `=` and `/` kept. */
export function encodeDataPath(relative: string): string {
  return encodeURI(relative)
}
