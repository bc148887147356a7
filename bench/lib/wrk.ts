// Runs wrk (Debian's package) with the POST script in this folder and returns its summary as numbers.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { track } from './processes.ts'

const SCRIPT = fileURLToPath(new URL('./wrk-post.lua', import.meta.url))

/** Load settings; the same for the baseline and clickflow. */
export interface Load {
  readonly connections: number
  readonly threads: number
  readonly durationS: number
}

/** What one wrk run measured. Latencies are in milliseconds. */
export interface WrkResult {
  readonly durationS: number
  /** Completed responses, whatever their status. */
  readonly requests: number
  /** Responses with a status >= 400 (wrk's "Non-2xx or 3xx responses"). */
  readonly non2xx: number
  readonly socketErrors: number
  readonly timeouts: number
  readonly rps: number
  readonly p50Ms: number
  readonly p90Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** CPU seconds wrk itself used (all its threads), or NaN when /proc could not tell. */
  readonly cpuS: number
}

/** Exits the process with install instructions when wrk is missing. */
export function requireWrk(): string {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' })
  if (r.error) {
    process.stderr.write(
      'wrk is not installed. Install it from Debian, then run the bench again:\n' +
        '  apt-get update && apt-get install -y wrk\n',
    )
    process.exit(1)
  }
  return (r.stdout + r.stderr).split('\n')[0]!.trim()
}

/** Runs wrk against `url`, POSTing the JSON in `bodyFile`. */
export function runWrk(url: string, bodyFile: string, load: Load): Promise<WrkResult> {
  const args = [
    `-t${load.threads}`,
    `-c${load.connections}`,
    `-d${load.durationS}s`,
    '--timeout',
    '10s',
    '-s',
    SCRIPT,
    url,
  ]
  const child = spawn('wrk', args, {
    env: { ...process.env, BENCH_BODY_FILE: bodyFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  track(child)
  let out = ''
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString()
  })
  // wrk stops by itself after its duration; this only guards against a hang.
  const guard = setTimeout(() => child.kill('SIGKILL'), (load.durationS + 30) * 1000)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(guard)
      const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '))
      if (code !== 0 || !line) {
        reject(new Error(`wrk ${args.join(' ')} failed (exit ${code}):\n${out}`))
        return
      }
      const j = JSON.parse(line.slice('BENCH_JSON '.length)) as Record<string, number>
      const durationS = j.duration_us! / 1e6
      resolve({
        durationS,
        requests: j.requests!,
        non2xx: j.non2xx!,
        socketErrors: j.connect_errors! + j.read_errors! + j.write_errors!,
        timeouts: j.timeouts!,
        rps: j.requests! / durationS,
        p50Ms: j.p50_us! / 1000,
        p90Ms: j.p90_us! / 1000,
        p99Ms: j.p99_us! / 1000,
        maxMs: j.max_us! / 1000,
        // Clock ticks of 1/100 s, as Linux reports them to user space.
        cpuS: j.cpu_ticks! >= 0 ? j.cpu_ticks! / 100 : Number.NaN,
      })
    })
  })
}

/**
 * Several runs against one server as one result: counts and durations add up, p50 and p90 are the
 * request-weighted means of the runs' percentiles, p99 and max the worst run's.
 */
export function combineRuns(runs: readonly WrkResult[]): WrkResult {
  if (runs.length === 0) throw new Error('combineRuns needs at least one run')
  const sum = (f: (r: WrkResult) => number) => runs.reduce((a, r) => a + f(r), 0)
  const requests = sum((r) => r.requests)
  const durationS = sum((r) => r.durationS)
  const weighted = (f: (r: WrkResult) => number) =>
    requests > 0 ? sum((r) => f(r) * r.requests) / requests : f(runs[0]!)
  return {
    durationS,
    requests,
    non2xx: sum((r) => r.non2xx),
    socketErrors: sum((r) => r.socketErrors),
    timeouts: sum((r) => r.timeouts),
    rps: requests / durationS,
    p50Ms: weighted((r) => r.p50Ms),
    p90Ms: weighted((r) => r.p90Ms),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    maxMs: Math.max(...runs.map((r) => r.maxMs)),
    cpuS: sum((r) => r.cpuS),
  }
}
