// Child processes of the benches: start a server, wait for its "running" JSON log line, read its
// memory from /proc, and stop it by PID (SIGTERM, then SIGKILL after a deadline).
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

/** A started server process. */
export interface ServerProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  /** The parsed log line that said it is running. */
  readonly ready: Record<string, unknown>
  /** Last lines of its stdout and stderr, for diagnostics. */
  readonly tail: string[]
}

const live = new Set<ChildProcess>()
// Never leave a child behind, even when the bench dies or is interrupted: kill what is left by PID.
process.on('exit', () => {
  for (const c of live) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))

/** Registers a child to be killed if the bench exits before it does. */
export function track(child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
}

/**
 * Spawns `process.execPath args` (with `env` over this process's environment) and resolves once it
 * logs a JSON line whose msg is `readyMsg`.
 */
export function startServer(
  name: string,
  args: readonly string[],
  readyMsg: string,
  timeoutMs = 30_000,
  env: Readonly<Record<string, string>> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  track(child)
  const tail: string[] = []
  const keep = (line: string) => {
    tail.push(line)
    if (tail.length > 40) tail.shift()
  }
  // Both pipes are read to the end, or a chatty child would block on a full pipe.
  createInterface({ input: child.stderr! }).on('line', keep)
  const lines = createInterface({ input: child.stdout! })
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer)
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL')
      reject(new Error(`${name}: ${why}\n${tail.join('\n')}`))
    }
    const timer = setTimeout(() => fail(`not running after ${timeoutMs} ms`), timeoutMs)
    child.once('error', (err) => fail(err.message))
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`))
    lines.on('line', (line) => {
      keep(line)
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        return
      }
      const entry = parsed as Record<string, unknown>
      if (entry.msg !== readyMsg) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      track(child)
      resolve({ name, child, pid: child.pid!, ready: entry, tail })
    })
  })
}

/** Stops a server: SIGTERM, then SIGKILL if it has not exited within `graceMs`. True if it exited by itself. */
export async function stopServer(s: ServerProcess, graceMs = 15_000): Promise<boolean> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return true
  const exited = new Promise<void>((r) => s.child.once('exit', () => r()))
  s.child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const clean = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), graceMs)
    }),
  ])
  clearTimeout(timer)
  if (!clean) {
    s.child.kill('SIGKILL')
    await exited
  }
  return clean
}

/** Resident memory of a process from /proc: current (VmRSS) and peak (VmHWM), in MB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 }
}

/**
 * CPU seconds (user + system) a process has used so far, all threads and the main thread alone, and
 * the seconds its main thread spent runnable but waiting for a core (the machine was busy elsewhere).
 */
export function cpuSeconds(pid: number): { process: number; main: number; mainWait: number } {
  // Fields 14 and 15 of /proc/.../stat, after the command name in parentheses; 100 ticks a second.
  const ticks = (path: string) => {
    const stat = readFileSync(path, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  }
  // schedstat: nanoseconds on a CPU, nanoseconds waiting on a run queue, time slices.
  const wait = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9
  return { process: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`), mainWait: wait }
}
