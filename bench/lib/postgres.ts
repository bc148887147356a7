// A throwaway PostgreSQL server for benchmarks: Debian's postgresql-15 binaries, a cluster in a temp
// directory, loopback only on a free port, run as the `postgres` user (it refuses root), stopped by
// the postmaster's PID. Queries go through psql; `\timing` gives the client-side time of each.
import { spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

const BIN = '/usr/lib/postgresql/15/bin'

/** A running PostgreSQL. */
export interface Postgres {
  readonly port: number
  readonly dir: string
  /** The postmaster's PID. */
  readonly pid: number
}

/** A free TCP port on 127.0.0.1 (bound and released; fine for a bench on a quiet loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

function asPostgres(args: readonly string[]): void {
  const r = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${args[0]} failed (${r.status}): ${r.stderr || r.stdout}`)
}

/** True when the PostgreSQL 15 server binaries are installed. */
export function postgresInstalled(): boolean {
  return existsSync(join(BIN, 'postgres')) && existsSync(join(BIN, 'initdb'))
}

/**
 * Creates a cluster under `dir` (which the postgres user must be able to traverse) and starts it
 * with the given settings (`name=value`).
 */
export async function startPostgres(dir: string, settings: readonly string[]): Promise<Postgres> {
  mkdirSync(dir, { recursive: true })
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim())
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim())
  chownSync(dir, uid, gid)
  const data = join(dir, 'data')
  asPostgres([
    join(BIN, 'initdb'),
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ])
  const port = await freePort()
  const opts = [`-c listen_addresses=127.0.0.1`, `-p ${port}`, `-k ${dir}`, ...settings.map((s) => `-c ${s}`)]
  asPostgres([
    join(BIN, 'pg_ctl'),
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-o',
    opts.join(' '),
    '-w',
    'start',
  ])
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
  return { port, dir, pid }
}

/** Stops the server by its PID (SIGINT: fast shutdown) and waits until it is gone. */
export async function stopPostgres(pg: Postgres, timeoutMs = 30_000): Promise<void> {
  try {
    process.kill(pg.pid, 'SIGINT')
  } catch {
    return
  }
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      process.kill(pg.pid, 0)
    } catch {
      return
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  process.kill(pg.pid, 'SIGKILL')
}

/** Runs a psql script (unaligned, tuples only, tab-separated); resolves with its stdout. Fails on the first error. */
export function psql(pg: Postgres, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'psql',
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-A',
        '-t',
        '-F',
        '\t',
        '-h',
        '127.0.0.1',
        '-p',
        String(pg.port),
        '-U',
        'postgres',
        '-f',
        '-',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s
    })
    child.once('error', reject)
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`psql exited ${code}: ${err.trim()}`)),
    )
    child.stdin.end(script)
  })
}

/** Runs `sql` `warmup + runs` times in one session; resolves with the `runs` client-side times in ms. */
export async function timeQuery(pg: Postgres, sql: string, warmup: number, runs: number): Promise<number[]> {
  const statement = `${sql.trim().replace(/;$/, '')};\n`
  const out = await psql(pg, `\\o /dev/null\n\\timing on\n${statement.repeat(warmup + runs)}`)
  const times = [...out.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]))
  if (times.length !== warmup + runs)
    throw new Error(`expected ${warmup + runs} timings from psql, got ${times.length}: ${out.slice(0, 300)}`)
  return times.slice(warmup)
}
