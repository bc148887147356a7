// Commands that change the store or the lake (`clickflow lake ...`, `clickflow erase`) work whether
// or not a clickflow runs on the data directory: alone, they take the data directory's lock and
// open the store themselves; beside a running clickflow they send the request to its admin
// listener (whose URL it published in the data directory), since only one process may write.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ClickflowConfig } from '../config/load.ts'
import { ClickflowError } from '../core/errors.ts'
import { Lake, type Progress } from '../lake/lake.ts'
import { type Database, openDatabase } from '../store/duckdb/database.ts'
import { createLogger } from '../telemetry/logger.ts'
import { lockDataDir } from '../topology/data-dir-lock.ts'
import { storePath } from '../topology/processing.ts'
import { adminUrlFile } from '../topology/runtime.ts'

/** What a local run gets: the lake and the store's database, opened by this process. */
export interface LocalContext {
  readonly lake: Lake
  readonly db: Database
  readonly progress: Progress
}

/** The same operation as an admin API request. */
export interface RemoteRequest {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly body?: unknown
}

/** Progress lines on stderr, so stdout keeps only the JSON result. */
const progressLine: Progress = (message, detail) => {
  process.stderr.write(`${message} ${JSON.stringify(detail)}\n`)
}

async function remote<T>(dataDir: string, token: string | undefined, r: RemoteRequest): Promise<T> {
  let base: string
  try {
    base = (await readFile(adminUrlFile(dataDir), 'utf8')).trim()
  } catch {
    throw new ClickflowError(
      'data_dir_locked',
      `a clickflow holds ${dataDir} but has not published its admin URL yet; retry in a moment`,
    )
  }
  process.stderr.write(`a clickflow runs on ${dataDir}; sending the request to it at ${base}\n`)
  let res: Response
  try {
    res = await fetch(`${base}${r.path}`, {
      method: r.method,
      headers: {
        ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
    })
  } catch (err) {
    throw new ClickflowError('admin_request_failed', `cannot reach the running clickflow at ${base}`, {
      cause: err,
    })
  }
  const text = await res.text()
  if (res.status === 200) return JSON.parse(text) as T
  let message = text
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text
  } catch {
    // Not JSON: the text itself says what went wrong.
  }
  if (res.status === 401)
    throw new ClickflowError(
      'invalid_option',
      `the running clickflow wants its admin token: pass --admin-token (${message})`,
    )
  if (res.status >= 400 && res.status < 500) throw new ClickflowError('invalid_option', message)
  throw new ClickflowError(
    'admin_request_failed',
    `the running clickflow at ${base} answered ${res.status}: ${message}`,
  )
}

/** Runs `local` on this process's own store and lake, or `request` on the running clickflow. */
export async function onDataDir<T>(
  config: ClickflowConfig,
  token: string | undefined,
  local: (ctx: LocalContext) => Promise<T>,
  request: RemoteRequest,
): Promise<T> {
  const g = config.global
  let lock: Awaited<ReturnType<typeof lockDataDir>>
  try {
    lock = await lockDataDir(g.data_dir)
  } catch (err) {
    if (err instanceof ClickflowError && err.code === 'data_dir_locked')
      return remote<T>(g.data_dir, token, request)
    throw err
  }
  let db: Database | null = null
  try {
    db = await openDatabase(storePath(config), {
      memoryLimit: g.store.memory_limit,
      threads: g.store.threads,
      allowedDirectories: [join(g.data_dir, 'lake')],
    })
    const lake = new Lake({
      dataDir: g.data_dir,
      db,
      log: createLogger({ level: 'warn', destination: process.stderr }),
      checkpointInterval: g.lake.checkpoint_interval,
      closeDelayMs: g.lake.close_delay_ms,
      targetFileBytes: g.lake.target_file_bytes,
      vacuumRetentionMs: g.lake.vacuum_retention_ms,
    })
    return await local({ lake, db, progress: progressLine })
  } finally {
    await db?.release()
    await lock.release()
  }
}
