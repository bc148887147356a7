// Runs the real clickflow CLI as a child process for end-to-end tests: start on free ports, read the
// URLs from the startup log line, talk to it over HTTP, and make sure no child outlives the tests.
// The CLI is the compiled one users run (bin/clickflow.js -> dist/), rebuilt first if src/ changed.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clickflowArgs } from './compiled-cli.ts'

/** The repository root: the CLI runs with this as its working directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** How long a start may take before the test gives up (DuckDB opens, the dashboard is bundled). */
const STARTUP_MS = 60_000

/** How a child process ended. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A running `clickflow start`. */
export interface Clickflow {
  /** The /collect URL, on 127.0.0.1. */
  readonly collectUrl: string
  /** The admin base URL (http://127.0.0.1:PORT). */
  readonly adminUrl: string
  readonly pid: number
  /** Sends a signal (default SIGTERM) and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<Exit>
  /** Resolves when the process has ended. */
  waitExit(): Promise<Exit>
  /** Everything it wrote to stderr so far. */
  stderr(): string
}

const live = new Set<ChildProcess>()

/** SIGKILLs every child still running; call it from `after` so a failed test leaves nothing behind. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map((child) => {
      const ended = exited(child)
      child.kill('SIGKILL')
      return ended
    }),
  )
}
// Last resort when the test process itself exits before `after` ran.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

function exited(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
}

/**
 * Where the CLI runs from: this repository (default), or `root`, a copy of the built product
 * (bin/, dist/, ...) that runs `root/bin/clickflow.js` with `root` as its working directory.
 */
export interface CliPlace {
  readonly root?: string
}

function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, place: CliPlace = {}): ChildProcess {
  const argv = place.root ? [join(place.root, 'bin', 'clickflow.js'), ...args] : clickflowArgs(args)
  const child = spawn(process.execPath, argv, {
    cwd: place.root ?? REPO_ROOT,
    // A token in the caller's environment would change what the tests see.
    env: { ...process.env, CLICKFLOW_ADMIN_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/**
 * Starts `clickflow start --data-dir DIR --collect-port 0 --admin-port 0 ...extraArgs` and resolves
 * once its "clickflow is running" log line arrived. Rejects (with stderr) if it exits first.
 */
export function start(
  dataDir: string,
  extraArgs: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
  place: CliPlace = {},
): Promise<Clickflow> {
  const child = spawnCli(
    ['start', '--data-dir', dataDir, '--collect-port', '0', '--admin-port', '0', ...extraArgs],
    env,
    place,
  )
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr += s
  })
  const exit = exited(child)
  return new Promise<Clickflow>((resolveStart, reject) => {
    let buffered = ''
    let done = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`clickflow did not start within ${STARTUP_MS} ms; stderr:\n${stderr}`))
    }, STARTUP_MS)
    exit.then((e) => {
      if (done) return
      clearTimeout(timer)
      reject(new Error(`clickflow exited before it ran (${JSON.stringify(e)}); stderr:\n${stderr}`))
    })
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      if (done) return
      buffered += s
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        const entry = parseLine(line)
        if (entry?.msg !== 'clickflow is running') continue
        done = true
        clearTimeout(timer)
        const collector = (entry.collector as string[])[0]!
        resolveStart({
          collectUrl: collector.replace('://0.0.0.0:', '://127.0.0.1:'),
          adminUrl: entry.admin as string,
          pid: child.pid!,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal)
            return exit
          },
          waitExit: () => exit,
          stderr: () => stderr,
        })
        // Keep draining stdout so the child never blocks on a full pipe.
        child.stdout!.resume()
        return
      }
    })
  })
}

function parseLine(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return null
  }
}

/** Runs a CLI command to completion (validate, a start that must fail) and returns its output. */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  place: CliPlace = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawnCli(args, env, place)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    stdout += s
  })
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr += s
  })
  // A command that should end but hangs (say, a start that should have been refused) is killed.
  const timer = setTimeout(() => child.kill('SIGKILL'), STARTUP_MS)
  // 'close' (not 'exit') so both pipes are fully read.
  return new Promise((r) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      r({ code, signal, stdout, stderr })
    }),
  )
}

/** A loopback port held by another server (so clickflow cannot listen there), and its release. */
export async function takenPort(): Promise<{ port: number; release: () => void }> {
  const blocker = createServer()
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
  return { port: (blocker.address() as AddressInfo).port, release: () => blocker.close() }
}

/**
 * Starts clickflow with `config` (a YAML file) where one of its listeners' ports is taken, and
 * checks that it exits 1 with the sentence naming that listener (`listener`, as the message words
 * it) and its address, instead of hanging or reporting an unexpected error.
 */
export async function assertStartCannotListen(config: string, listener: string, port: number): Promise<void> {
  // runCli kills a command that does not end by itself; a hang shows as a signal, not a code.
  const r = await runCli(['start', '--config', config])
  if (r.signal !== null) throw new Error(`clickflow hung after the failed start: ${r.stderr}`)
  if (r.code !== 1) throw new Error(`clickflow exited ${r.code}, not 1: ${r.stderr}`)
  const sentence = `${listener} cannot listen on http://127.0.0.1:${port}: another program`
  if (!r.stderr.includes(sentence)) throw new Error(`no "${sentence}" in: ${r.stderr}`)
  if (/unexpected error/.test(r.stderr)) throw new Error(`an unexpected error: ${r.stderr}`)
}

/** A fresh data directory under the OS temp dir, and a function that removes it. */
export async function tempDir(prefix = 'clickflow-e2e-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** A response: status and parsed JSON body (null when the body is not JSON). */
export interface JsonResponse<T = unknown> {
  readonly status: number
  readonly body: T
}

/** POSTs `body` (an object is sent as JSON) and parses the answer. */
export async function post<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: text,
  })
  const raw = await res.text()
  return { status: res.status, body: (parseLine(raw) ?? raw) as T }
}

/** The answer of POST /api/sql. */
export interface SqlResult {
  readonly columns: { name: string; type: string }[]
  readonly rows: unknown[][]
  readonly truncated: boolean
}

/** Runs a query through /api/sql; throws unless the answer is 200. */
export async function sql(adminUrl: string, query: string, token?: string): Promise<unknown[][]> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  const res = await post<SqlResult>(`${adminUrl}/api/sql`, { sql: query }, headers)
  if (res.status !== 200) throw new Error(`sql ${res.status}: ${JSON.stringify(res.body)} for ${query}`)
  return res.body.rows
}

/** The single value a query returns, as a number (DuckDB counts may come back as strings). */
export async function sqlNumber(adminUrl: string, query: string): Promise<number> {
  const rows = await sql(adminUrl, query)
  return Number(rows[0]?.[0])
}

/**
 * Calls `probe` until it returns true or `timeoutMs` passes; returns whether it succeeded. The only
 * way these tests wait for the pipeline: no sleeps that guess how long something takes.
 */
export async function pollUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await probe()) return true
    if (Date.now() >= deadline) return false
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Scrapes /metrics as text. */
export async function scrapeMetrics(adminUrl: string, token?: string): Promise<string> {
  const res = await fetch(`${adminUrl}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return res.text()
}

/** Sum of the samples of metric `name` whose labels include all of `labels` (0 if none). */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]))
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3])
  }
  return sum
}

/**
 * Waits until `events` events are stored and every one of them (with a visitor, not a duplicate) is
 * counted in a session: the store sink and the processor's checkpoints write at their own pace, and
 * a page compared with the API must not see the sessions still growing in between.
 */
export async function storedAndSessionized(
  adminUrl: string,
  events: number,
  timeoutMs = 60_000,
): Promise<boolean> {
  return pollUntil(async () => {
    const [[stored, inSessions, sessionized]] = (await sql(
      adminUrl,
      `SELECT (SELECT count(*) FROM events),
              (SELECT coalesce(sum(events), 0) FROM sessions),
              (SELECT count(*) FROM events WHERE NOT is_duplicate AND visitor_id IS NOT NULL)`,
    )) as [[unknown, unknown, unknown]]
    return Number(stored) >= events && Number(inSessions) === Number(sessionized)
  }, timeoutMs)
}
