// A whole clickflow (`clickflow start`) as a bench child process, and the admin calls the benches
// make to it: SQL through /api/sql and the collector's counters from /metrics. Loopback only.
import { clickflowArgs, ensureBuilt } from '../../test/helpers/compiled-cli.ts'
import { type ServerProcess, startServer } from './processes.ts'

/** A running clickflow child with the URLs it logged. */
export interface ClickflowProcess {
  readonly server: ServerProcess
  readonly collectUrl: string
  readonly adminUrl: string
}

/**
 * How clickflow is run: the compiled CLI (bin/clickflow.js -> dist/), as users run it, rebuilt first
 * if src/ changed; with CLICKFLOW_BENCH_TSX=1 the TypeScript sources through tsx's loader instead
 * (how clickflow ran before it was compiled: for comparisons in one session).
 */
export function clickflowCommand(args: readonly string[]): string[] {
  if (process.env.CLICKFLOW_BENCH_TSX === '1') return ['--import', 'tsx', 'src/cli/main.ts', ...args]
  return clickflowArgs(args)
}

/**
 * One of clickflow's modules (`path` under src/ without its extension) loaded in this process the
 * way clickflow runs it: from dist/ (built first if src/ changed); with CLICKFLOW_BENCH_TSX=1 from
 * src/ through tsx. Type it with the source's: `productModule<typeof import('../src/x.ts')>('x')`.
 */
export async function productModule<T>(path: string): Promise<T> {
  if (process.env.CLICKFLOW_BENCH_TSX === '1') return (await import(`../../src/${path}.ts`)) as T
  ensureBuilt()
  return (await import(`../../dist/${path}.js`)) as T
}

/**
 * Starts clickflow on free ports with its data in `dataDir`; `nodeArgs` go before the script (e.g.
 * --cpu-prof), `startArgs` after `start`'s own (e.g. `-c config.yaml`), `env` over this process's.
 */
export async function startClickflow(
  dataDir: string,
  nodeArgs: readonly string[] = [],
  startArgs: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<ClickflowProcess> {
  const args = [
    ...nodeArgs,
    ...clickflowCommand([
      'start',
      '--data-dir',
      dataDir,
      '--collect-port',
      '0',
      '--admin-port',
      '0',
      ...startArgs,
    ]),
  ]
  const server = await startServer('clickflow', args, 'clickflow is running', undefined, env)
  const collector = server.ready.collector as string[] | undefined
  const admin = server.ready.admin as string | undefined
  if (!collector?.[0] || !admin)
    throw new Error(`clickflow logged no collector/admin URL: ${server.tail.join('\n')}`)
  return { server, collectUrl: loopback(collector[0]), adminUrl: loopback(admin) }
}

/** The same URL on 127.0.0.1 (the collector binds 0.0.0.0 by default; the bench only talks to loopback). */
function loopback(url: string): string {
  const u = new URL(url)
  u.hostname = '127.0.0.1'
  return u.toString()
}

/** Runs one SELECT through the admin SQL endpoint and returns its rows. */
export async function sql(adminUrl: string, query: string): Promise<unknown[][]> {
  const res = await fetch(new URL('/api/sql', adminUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql: query }),
    signal: AbortSignal.timeout(10_000),
  })
  const body = (await res.json()) as { rows?: unknown[][]; message?: string }
  if (!res.ok || !body.rows)
    throw new Error(`/api/sql ${res.status}: ${body.message ?? JSON.stringify(body)}`)
  return body.rows
}

/** Events the collector acknowledged (sent to the log), and what it refused by reason, from /metrics. */
export async function collectorCounters(
  adminUrl: string,
): Promise<{ sent: number; discarded: Record<string, number> }> {
  const text = await metricsText(adminUrl)
  let sent = 0
  const discarded: Record<string, number> = {}
  for (const line of text.split('\n')) {
    if (!line.includes('component_kind="source"')) continue
    const value = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (line.startsWith('clickflow_component_sent_events_total{')) sent += value
    else if (line.startsWith('clickflow_component_discarded_events_total{')) {
      const reason = /reason="([^"]*)"/.exec(line)?.[1] ?? '?'
      discarded[reason] = (discarded[reason] ?? 0) + value
    }
  }
  return { sent, discarded }
}

async function metricsText(adminUrl: string): Promise<string> {
  const res = await fetch(new URL('/metrics', adminUrl), { signal: AbortSignal.timeout(10_000) })
  return res.text()
}

/** Counters of the durable log: group-commit cycles (fsyncs) and appends with their summed seconds, bytes. */
export async function logCounters(
  adminUrl: string,
): Promise<{ fsyncs: number; fsyncSeconds: number; appends: number; appendSeconds: number; bytes: number }> {
  const text = await metricsText(adminUrl)
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .reduce((acc, l) => acc + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
  return {
    fsyncs: sum('clickflow_log_fsync_seconds_count'),
    fsyncSeconds: sum('clickflow_log_fsync_seconds_sum'),
    appends: sum('clickflow_log_append_seconds_count'),
    appendSeconds: sum('clickflow_log_append_seconds_sum'),
    bytes: sum('clickflow_log_appended_bytes_total'),
  }
}
