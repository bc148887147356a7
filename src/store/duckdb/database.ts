// Opens the process's DuckDB database once per file and shares it between the duckdb sink (the one
// writer) and the query store. File access from SQL is locked down at open (enable_external_access
// off, only the lake and temp folders allowed, configuration locked) so user queries cannot touch files.
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { SCHEMA_DDL } from './schema.ts'

/** Settings applied when a database is first opened. */
export interface DatabaseOptions {
  readonly memoryLimit: string
  readonly threads?: number
  /** Folders DuckDB itself may read and write (the lake); everything else is off limits. */
  readonly allowedDirectories: readonly string[]
}

/** An open database with a count of its users. */
export interface Database {
  readonly path: string
  readonly instance: DuckDBInstance
  /** Opens another connection to the same database. */
  connect(): Promise<DuckDBConnection>
  /** Gives back this user's reference; the last one closes the database. */
  release(): Promise<void>
}

interface Entry {
  opened: Promise<{ instance: DuckDBInstance; admin: DuckDBConnection }>
  users: number
}

const open = new Map<string, Entry>()

/**
 * WAL size that triggers an automatic checkpoint, which runs inside the sink's COMMIT. DuckDB's 16 MB
 * default checkpointed every ~27,000 events and each checkpoint recompressed the whole unfinished row
 * group (122,880 rows, ~75 MB of WAL), so commits took 4x longer (bench/store.ts); 128 MB lets a
 * row group fill before it is written, while keeping the WAL replayed at startup bounded. Only
 * transactions smaller than a row group go through the WAL: DuckDB writes larger ones (the
 * pipeline's batches during a backlog) compressed straight into the file.
 */
const CHECKPOINT_THRESHOLD = '128MB'

/**
 * The storage format of a new database file: DuckDB 1.5's own instead of its v0.10.2-compatible
 * default. Its string compression (DICT_FSST in place of separate dictionary and FSST passes) cost
 * 15-25 % less CPU per appended event of our 33 text columns, made the file 17 % smaller and
 * dashboard-style scans no slower (bench/store.ts; measured 2026-11-22). An existing file keeps the
 * format it was created with; older DuckDB versions cannot open a new file.
 */
const STORAGE_VERSION = 'latest'

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

async function create(
  path: string,
  options: DatabaseOptions,
): Promise<{ instance: DuckDBInstance; admin: DuckDBConnection }> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = join(dirname(path), 'tmp')
  await mkdir(tmp, { recursive: true })
  const instance = await DuckDBInstance.create(path, {
    memory_limit: options.memoryLimit,
    checkpoint_threshold: CHECKPOINT_THRESHOLD,
    storage_compatibility_version: STORAGE_VERSION,
    ...(options.threads ? { threads: String(options.threads) } : {}),
  })
  const admin = await instance.connect()
  for (const ddl of SCHEMA_DDL) await admin.run(ddl)
  const allowed = [...options.allowedDirectories, tmp].map((d) => quote(`${resolve(d)}/`))
  await admin.run(`SET temp_directory = ${quote(tmp)}`)
  await admin.run(`SET allowed_directories = [${allowed.join(', ')}]`)
  await admin.run('SET enable_external_access = false')
  await admin.run('SET autoinstall_known_extensions = false')
  await admin.run('SET autoload_known_extensions = false')
  await admin.run('SET lock_configuration = true')
  return { instance, admin }
}

/** Opens (or shares) the database at `path`. The first opener's options apply. */
export async function openDatabase(path: string, options: DatabaseOptions): Promise<Database> {
  const abs = resolve(path)
  let entry = open.get(abs)
  if (!entry) {
    entry = { opened: create(abs, options), users: 0 }
    open.set(abs, entry)
    entry.opened.catch(() => open.delete(abs))
  }
  entry.users++
  const e = entry
  const { instance } = await e.opened
  let released = false
  return {
    path: abs,
    instance,
    connect: () => instance.connect(),
    release: async () => {
      if (released) return
      released = true
      e.users--
      if (e.users > 0) return
      open.delete(abs)
      const { admin } = await e.opened
      // A checkpoint folds the WAL into the file so the next open starts fast.
      await admin.run('CHECKPOINT').catch(() => undefined)
      admin.closeSync()
      instance.closeSync()
    },
  }
}
