// `clickflow lake export | compact | vacuum | history | snapshot` and `clickflow erase`: load the
// config, run the operation here or on the running clickflow (data-dir-call.ts), print the result
// as JSON on stdout and one line for people on stderr.
import { userInfo } from 'node:os'
import { loadConfig } from '../config/load.ts'
import { ClickflowError } from '../core/errors.ts'
import type { HistoryEntry } from '../lake/delta-log.ts'
import { type ErasureResult, erase, parseErasureRequest } from '../lake/erasure.ts'
import { checkDay } from '../lake/events-table.ts'
import type { CompactResult, ExportResult } from '../lake/lake.ts'
import { snapshotSummary } from '../lake/summary.ts'
import type { VacuumResult } from '../lake/vacuum.ts'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { onDataDir } from './data-dir-call.ts'
import { EXIT } from './exit.ts'

/** Options every one of these commands takes. */
export interface DataDirOptions {
  readonly config?: string
  readonly dataDir?: string
  readonly adminToken?: string
}

function setup(o: DataDirOptions, env: NodeJS.ProcessEnv) {
  const config = loadConfig({
    path: o.config,
    env,
    registry: builtinRegistry(),
    overrides: { dataDir: o.dataDir },
  })
  return { config, token: o.adminToken ?? (env.CLICKFLOW_ADMIN_TOKEN || undefined) }
}

function print(result: unknown, line: string): number {
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.stderr.write(`${line}\n`)
  return EXIT.ok
}

function usage(message: string): ClickflowError {
  return new ClickflowError('invalid_option', message)
}

function intOption(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v) || Number(v) < min)
    throw usage(`${name} must be a whole number of at least ${min}, not "${v}"`)
  return Number(v)
}

/** `clickflow lake export [--day D]`. */
export async function runLakeExport(
  o: DataDirOptions & { day?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  let day: string | undefined
  try {
    day = o.day === undefined ? undefined : checkDay(o.day)
  } catch (err) {
    throw usage(`--day: ${(err as Error).message}`)
  }
  const { config, token } = setup(o, env)
  const r = await onDataDir<ExportResult>(
    config,
    token,
    ({ lake, progress }) => lake.export({ day, onProgress: progress }),
    { method: 'POST', path: '/api/lake/export', body: day ? { day } : {} },
  )
  return print(
    r,
    r.files === 0
      ? `nothing new to export (${r.days.length} day${r.days.length === 1 ? '' : 's'} checked); the table stays at version ${r.version ?? 'none'}`
      : `exported ${r.rows} events in ${r.files} files as version ${r.version}`,
  )
}

/** `clickflow lake compact [--min-files N]`. */
export async function runLakeCompact(
  o: DataDirOptions & { minFiles?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const minFiles = intOption(o.minFiles, '--min-files', 2)
  const { config, token } = setup(o, env)
  const r = await onDataDir<CompactResult>(
    config,
    token,
    ({ lake, progress }) => lake.compact({ minFiles, onProgress: progress }),
    {
      method: 'POST',
      path: '/api/lake/compact',
      body: minFiles === undefined ? {} : { min_files: minFiles },
    },
  )
  return print(
    r,
    r.days.length === 0
      ? 'no day has enough small files to compact'
      : `compacted ${r.days.length} days (${r.days.reduce((n, d) => n + d.files_before, 0)} files) as version ${r.version}`,
  )
}

/** `clickflow lake vacuum [--retention-hours H]`. */
export async function runLakeVacuum(
  o: DataDirOptions & { retentionHours?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const hours = intOption(o.retentionHours, '--retention-hours', 0)
  const retentionMs = hours === undefined ? undefined : hours * 3600_000
  const { config, token } = setup(o, env)
  const r = await onDataDir<VacuumResult>(config, token, ({ lake }) => lake.vacuum({ retentionMs }), {
    method: 'POST',
    path: '/api/lake/vacuum',
    body: retentionMs === undefined ? {} : { retention_ms: retentionMs },
  })
  return print(r, `vacuum deleted ${r.files_deleted} files (${r.bytes_deleted} bytes), kept ${r.files_kept}`)
}

/** `clickflow lake history`. */
export async function runLakeHistory(o: DataDirOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { config, token } = setup(o, env)
  const r = await onDataDir<{ history: HistoryEntry[] }>(
    config,
    token,
    async ({ lake }) => ({ history: (await lake.table.exists()) ? await lake.history() : [] }),
    { method: 'GET', path: '/api/lake/history' },
  )
  for (const h of r.history) {
    process.stdout.write(
      `${JSON.stringify({ version: h.version, timestamp: new Date(h.timestamp).toISOString(), operation: h.operation, metrics: h.operationMetrics })}\n`,
    )
  }
  process.stderr.write(`${r.history.length} versions\n`)
  return EXIT.ok
}

/** `clickflow lake snapshot [--as-of-version N | --as-of-timestamp T]`: the files of a version, for other readers. */
export async function runLakeSnapshot(
  o: DataDirOptions & { asOfVersion?: string; asOfTimestamp?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  if (o.asOfVersion !== undefined && o.asOfTimestamp !== undefined)
    throw usage('give --as-of-version or --as-of-timestamp, not both')
  const version = intOption(o.asOfVersion, '--as-of-version', 0)
  const ts = o.asOfTimestamp === undefined ? undefined : Date.parse(o.asOfTimestamp)
  if (ts !== undefined && Number.isNaN(ts))
    throw usage(`--as-of-timestamp must be an ISO 8601 time, not "${o.asOfTimestamp}"`)
  const { config, token } = setup(o, env)
  const q =
    version !== undefined
      ? `?version=${version}`
      : ts !== undefined
        ? `?timestamp=${new Date(ts).toISOString()}`
        : ''
  const r = await onDataDir<ReturnType<typeof snapshotSummary>>(
    config,
    token,
    async ({ lake }) =>
      snapshotSummary(
        lake,
        await lake.snapshot(
          version !== undefined ? { version } : ts !== undefined ? { timestamp: ts } : undefined,
        ),
      ),
    { method: 'GET', path: `/api/lake/snapshot${q}` },
  )
  return print(r, `version ${r.version} (${r.timestamp}): ${r.files.length} files`)
}

/** `clickflow erase --visitor ID | --user ID [--requested-by WHO]`. */
export async function runErase(
  o: DataDirOptions & { visitor?: string; user?: string; requestedBy?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const body = {
    ...(o.visitor !== undefined ? { visitor_id: o.visitor } : {}),
    ...(o.user !== undefined ? { user_id: o.user } : {}),
    requested_by: o.requestedBy ?? `cli:${userInfo().username}`,
  }
  let parsed: ReturnType<typeof parseErasureRequest>
  try {
    parsed = parseErasureRequest(body)
  } catch (err) {
    throw usage(`${(err as Error).message.replace('"visitor_id" or "user_id"', '--visitor or --user')}`)
  }
  const { config, token } = setup(o, env)
  const r = await onDataDir<ErasureResult>(
    config,
    token,
    ({ lake, db }) => erase(lake, db, parsed.subject, parsed.requestedBy, Date.now()),
    { method: 'POST', path: '/api/erase', body },
  )
  return print(
    r,
    `erased ${r.subject_kind} ${r.subject_id}: ${r.rows_events} events, ${r.rows_sessions} sessions, ${r.rows_late_events + r.rows_dead_letters} other rows, ${r.lake_files_rewritten} lake files rewritten (${r.lake_rows} rows)`,
  )
}
