// Collector bench: wrk POSTs to clickflow's /collect (single events, then batches of 50) and to a bare
// node:http baseline with the same settings; reports req/s, events/s, latency, the ratio to the
// baseline, RSS, and checks that the store holds exactly the acknowledged events. clickflow runs
// twice side by side: with the processing role in a worker thread (the default; RSS is the whole
// process's) and in a child process (runtime.processing: process; the collector process's RSS,
// what the 150 MB target is about, is then reported apart from the child's).
// Usage: npm run bench:collect -- [--duration 10] [--rounds 2] [--connections 64] [--only single|batch]
//        [--modes thread,process] [--no-docs] [--cpu-prof DIR]
//        (docs/benchmarks.md is written only by a run of both scenarios)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_CONFIG_YAML } from '../src/config/default-config.ts'
import { COLLECTOR_NODE_OPTIONS } from '../src/topology/worker/young-generation.ts'
import {
  type ClickflowProcess,
  collectorCounters,
  logCounters,
  sql,
  startClickflow,
} from './lib/clickflow.ts'
import { type ClickflowOutcome, type Outcome, report, type Scenario } from './lib/collector-report.ts'
import { compiledScript } from './lib/compiled-script.ts'
import { fsyncProbe } from './lib/disk.ts'
import { cpuSeconds, memoryOf, startServer, stopServer } from './lib/processes.ts'
import { combineRuns, type Load, requireWrk, runWrk, type WrkResult } from './lib/wrk.ts'
import { establishedTo } from './lib/wrk-connections.ts'

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    only: { type: 'string' },
    modes: { type: 'string', default: 'thread,process' },
    'no-docs': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
})
const load: Load = { connections: Number(opt.connections), threads: 2, durationS: Number(opt.duration) }
const warmup: Load = { ...load, durationS: Number(opt.warmup) }
/** Each side's measured time is split into this many runs, interleaved B T P P T B ... */
const ROUNDS = Number(opt.rounds)
/** How long the pipeline may take, after the load, to make every acknowledged event queryable. */
const CATCH_UP_DEADLINE_MS = 45_000

type Mode = 'thread' | 'process'
/** The modes clickflow is measured in; thread mode always (the figures the docs compare over time). */
const MODES = [...new Set(['thread', ...(opt.modes ?? '').split(',').filter((m) => m !== '')])] as Mode[]

const SCENARIOS: Scenario[] = [
  { id: 'single', label: 'single events', eventsPerRequest: 1 },
  { id: 'batch', label: 'batches of 50', eventsPerRequest: 50 },
].filter((s) => !opt.only || s.id === opt.only)
if (
  SCENARIOS.length === 0 ||
  !(
    load.durationS > 0 &&
    warmup.durationS > 0 &&
    load.connections > 0 &&
    Number.isInteger(ROUNDS) &&
    ROUNDS > 0 &&
    MODES.every((m) => m === 'thread' || m === 'process')
  )
) {
  process.stderr.write(
    'usage: bench/collector.ts [--duration S] [--warmup S] [--rounds N] [--connections N] [--only single|batch] [--modes thread,process]\n',
  )
  process.exit(2)
}

/** Request bodies, one JSON per line, that wrk sends in turn: `variants` bodies of `n` events each,
 * with visitors spread over them (so over the log's partitions) as real traffic would be. */
function bodies(n: number, variants: number): string {
  const lines: string[] = []
  for (let v = 0; v < variants; v++) {
    const events = Array.from({ length: n }, (_, i) => ({
      type: 'pageview',
      url: `https://x.example/p/${(v + i) % 50}?utm_source=bench`,
      visitor_id: `v${v * n + i + 1}`,
      title: 'Bench page',
    }))
    lines.push(JSON.stringify({ events }))
  }
  return `${lines.join('\n')}\n`
}

const countStored = async (adminUrl: string) =>
  Number((await sql(adminUrl, 'select count(*) from events'))[0]?.[0])

/** CPU of a process over some runs, in cores: the whole process, its main (event loop) thread, and
 * the share of the time its main thread was ready to run but waited for a core. */
class CpuMeter {
  #process = 0
  #main = 0
  #mainWait = 0
  #seconds = 0

  /** Starts measuring process `pid`; the returned function ends it, given the wall time measured. */
  begin(pid: number): (seconds: number) => void {
    const a = cpuSeconds(pid)
    return (seconds) => {
      const b = cpuSeconds(pid)
      this.#process += b.process - a.process
      this.#main += b.main - a.main
      this.#mainWait += b.mainWait - a.mainWait
      this.#seconds += seconds
    }
  }

  /** Measures `run` (which lasts `seconds` of wall time as it reports) on process `pid`. */
  async over<T extends { durationS: number }>(pid: number, run: () => Promise<T>): Promise<T> {
    const end = this.begin(pid)
    const result = await run()
    end(result.durationS)
    return result
  }

  share(): { processCpu: number; mainCpu: number; mainWaitCpu: number } {
    const s = Math.max(this.#seconds, 1e-9)
    return { processCpu: this.#process / s, mainCpu: this.#main / s, mainWaitCpu: this.#mainWait / s }
  }
}

/** Requests answered 2xx, which for clickflow means fsync'd in the log. */
const acked = (r: WrkResult) => r.requests - r.non2xx

/** Runs wrk against `url` and counts the server's established connections halfway through. */
async function loadWithConnectionCount(
  url: string,
  bodyFile: string,
  l: Load,
): Promise<{ run: WrkResult; connections: number }> {
  const port = Number(new URL(url).port)
  let connections = 0
  const probe = setTimeout(
    () => {
      connections = establishedTo(port)
    },
    (l.durationS * 1000) / 2,
  )
  try {
    return { run: await runWrk(url, bodyFile, l), connections }
  } finally {
    clearTimeout(probe)
  }
}

/**
 * Waits until the pipeline has stored every event the collector acknowledged, up to a deadline. The
 * collector's count is read again after the store's: it counts an ack a moment after the fsync the
 * pipeline may already have read, so equal counts in that order mean nothing is still in flight.
 */
async function caughtUp(adminUrl: string): Promise<{ stored: number; counters: Counters; seconds: number }> {
  const started = Date.now()
  for (;;) {
    const before = await collectorCounters(adminUrl)
    const stored = await countStored(adminUrl)
    const counters = await collectorCounters(adminUrl)
    const seconds = (Date.now() - started) / 1000
    const settled = stored === counters.sent && counters.sent === before.sent
    if (settled || Date.now() - started > CATCH_UP_DEADLINE_MS) return { stored, counters, seconds }
    await new Promise((r) => setTimeout(r, 250))
  }
}

type Counters = Awaited<ReturnType<typeof collectorCounters>>

/** The processing child a clickflow in process mode names in its data dir's lock (null: none). */
function childPidOf(dataDir: string): number | null {
  const m = /^child (\d+)$/m.exec(readFileSync(join(dataDir, 'clickflow.lock'), 'utf8'))
  return m ? Number(m[1]) : null
}

/** One clickflow under test (thread or process mode) and what its rounds measured. */
class ClickflowSide {
  readonly runs: WrkResult[] = []
  readonly cpu = new CpuMeter()
  readonly childCpu = new CpuMeter()
  connections = 0
  log = { fsyncs: 0, fsyncSeconds: 0, appends: 0, appendSeconds: 0, bytes: 0 }
  catchUpS = 0
  catchUpTotalS = 0
  readonly idle: { rssMb: number; peakMb: number }
  underLoad: { rssMb: number; peakMb: number }
  readonly childIdle: { rssMb: number; peakMb: number } | null
  childUnderLoad: { rssMb: number; peakMb: number } | null
  /** Child pids seen (more than one: the child crashed and was restarted during the bench). */
  readonly childPids = new Set<number>()

  constructor(
    readonly mode: Mode,
    readonly cf: ClickflowProcess,
    readonly dataDir: string,
  ) {
    this.idle = memoryOf(cf.server.pid)
    this.underLoad = this.idle
    const child = this.childPid()
    this.childIdle = child === null ? null : memoryOf(child)
    this.childUnderLoad = this.childIdle
  }

  childPid(): number | null {
    if (this.mode !== 'process') return null
    const pid = childPidOf(this.dataDir)
    if (pid !== null) this.childPids.add(pid)
    return pid
  }

  /** One measured round of load, then the wait until its pipeline has stored everything. */
  async round(bodyFile: string, segment: Load): Promise<void> {
    const log0 = await logCounters(this.cf.adminUrl)
    const child = this.childPid()
    const endChild = child === null ? null : this.childCpu.begin(child)
    const m = await this.cpu.over(this.cf.server.pid, () =>
      loadWithConnectionCount(this.cf.collectUrl, bodyFile, segment).then(withDuration),
    )
    endChild?.(m.durationS)
    const log1 = await logCounters(this.cf.adminUrl)
    this.underLoad = memoryOf(this.cf.server.pid)
    if (child !== null) this.childUnderLoad = memoryOf(child)
    this.runs.push(m.run)
    this.connections = Math.max(this.connections, m.connections)
    // Each round starts with the pipeline caught up, and no other server shares the machine with
    // this one's backlog.
    const wait = (await caughtUp(this.cf.adminUrl)).seconds
    this.catchUpS = Math.max(this.catchUpS, wait)
    this.catchUpTotalS += wait
    this.log = {
      fsyncs: this.log.fsyncs + log1.fsyncs - log0.fsyncs,
      fsyncSeconds: this.log.fsyncSeconds + log1.fsyncSeconds - log0.fsyncSeconds,
      appends: this.log.appends + log1.appends - log0.appends,
      appendSeconds: this.log.appendSeconds + log1.appendSeconds - log0.appendSeconds,
      bytes: this.log.bytes + log1.bytes - log0.bytes,
    }
  }

  /** The side's figures once its rounds are done (`runs[0]` is the warm-up). */
  async outcome(sc: Scenario): Promise<ClickflowOutcome> {
    const run = combineRuns(this.runs.slice(1))
    const ackedMeasured = acked(run) * sc.eventsPerRequest
    const log = this.log
    const diagnostics = {
      ...this.cpu.share(),
      wrkCpu: run.cpuS / run.durationS,
      fsyncsPerS: log.fsyncs / run.durationS,
      eventsPerFsync: log.fsyncs > 0 ? ackedMeasured / log.fsyncs : 0,
      fsyncMs: log.fsyncs > 0 ? (log.fsyncSeconds / log.fsyncs) * 1000 : 0,
      appendMs: log.appends > 0 ? (log.appendSeconds / log.appends) * 1000 : 0,
      logBytesPerEvent: log.bytes / Math.max(1, ackedMeasured),
      // Acknowledged and stored: the rounds' events over their load time plus the waits after them.
      sustainedEventsPerS: ackedMeasured / (run.durationS + this.catchUpTotalS),
    }
    const final = await caughtUp(this.cf.adminUrl)
    const end = memoryOf(this.cf.server.pid)
    const ackedEvents = this.runs.reduce((n, r) => n + acked(r), 0) * sc.eventsPerRequest
    // wrk drops the requests still in flight when its time is up; the collector may have logged them.
    const inFlightBound = this.runs.length * load.connections * sc.eventsPerRequest
    const { stored, counters } = final
    const ok = stored === counters.sent && stored >= ackedEvents && stored - ackedEvents <= inFlightBound
    const child = this.childPid()
    const childEnd = child === null ? null : memoryOf(child)
    return {
      run,
      rssIdleMb: this.idle.rssMb,
      rssUnderLoadMb: this.underLoad.rssMb,
      rssEndMb: end.rssMb,
      peakMb: end.peakMb,
      diagnostics,
      ...(childEnd && this.childIdle && this.childUnderLoad
        ? {
            child: {
              rssIdleMb: this.childIdle.rssMb,
              rssUnderLoadMb: this.childUnderLoad.rssMb,
              rssEndMb: childEnd.rssMb,
              peakMb: childEnd.peakMb,
              cpu: this.childCpu.share().processCpu,
              restarts: this.childPids.size - 1,
            },
          }
        : {}),
      verify: {
        ackedEvents,
        serverAcked: counters.sent,
        stored,
        discarded: counters.discarded,
        inFlightBound,
        caughtUpS: Math.max(this.catchUpS, final.seconds),
        ok,
      },
    }
  }
}

/** The config of a clickflow in process mode: the default topology, processing in a child process. */
function processModeArgs(dir: string): string[] {
  const path = join(dir, 'process-mode.yaml')
  writeFileSync(path, `${DEFAULT_CONFIG_YAML}\nruntime:\n  processing: process\n`)
  return ['-c', path]
}

/**
 * One scenario: the baseline and clickflow (in each mode asked for: processing in a worker thread,
 * and in a child process) run side by side (the others idle while one is loaded), and the measured
 * time of each is split into rounds in the order B T P P T B ..., so drifting load on a shared
 * machine weighs on all alike. After each clickflow round the bench waits until its pipeline has
 * stored everything acknowledged, so every round starts alike and no backlog competes with the next.
 */
async function measure(sc: Scenario, bodyFile: string, dataDir: string): Promise<Outcome> {
  const prof = opt['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opt['cpu-prof'])}`] : []
  // Compiled, as clickflow runs: no tsx loader in the baselines either.
  const baselineServer = compiledScript('bench/lib/baseline-server.ts')
  const base = await startServer('baseline', [baselineServer], 'baseline is running')
  // The same bare server answering only once each body is fdatasync'd: what durability alone costs.
  const durableDir = `${dataDir}-durable-baseline`
  mkdirSync(durableDir, { recursive: true })
  const durable = await startServer(
    'durable baseline',
    [baselineServer, '--durable', durableDir],
    'baseline is running',
  )
  const sides: ClickflowSide[] = []
  try {
    for (const mode of MODES) {
      const dir = `${dataDir}-${mode}`
      mkdirSync(dir, { recursive: true })
      const args = mode === 'process' ? processModeArgs(dir) : []
      // Process mode is the collector's memory budget: its process runs with the collector's young
      // generation (young-generation.ts), given as the README says, through NODE_OPTIONS (its
      // processing child keeps the processing role's).
      const env: Record<string, string> =
        mode === 'process'
          ? { NODE_OPTIONS: [process.env.NODE_OPTIONS, COLLECTOR_NODE_OPTIONS].filter(Boolean).join(' ') }
          : {}
      sides.push(new ClickflowSide(mode, await startClickflow(dir, prof, args, env), dir))
    }
    const baseUrl = base.ready.url as string
    const durableUrl = durable.ready.url as string
    const segment: Load = { ...load, durationS: load.durationS / ROUNDS }
    const disk = {
      smallMs: await fsyncProbe(dirname(dataDir), 64 * 1024, 0.5),
      largeMs: await fsyncProbe(dirname(dataDir), 1 << 20, 0.5),
    }
    await runWrk(baseUrl, bodyFile, warmup)
    await runWrk(durableUrl, bodyFile, warmup)
    for (const side of sides) {
      side.runs.push(await runWrk(side.cf.collectUrl, bodyFile, warmup))
      await caughtUp(side.cf.adminUrl)
    }
    const baseRuns: WrkResult[] = []
    const baseCpu = new CpuMeter()
    let baseConnections = 0
    const durableRuns: WrkResult[] = []
    const durableCpu = new CpuMeter()
    const forward: (ClickflowSide | 'baseline' | 'durable')[] = ['baseline', 'durable', ...sides]
    const order = Array.from({ length: ROUNDS }, (_, r) =>
      r % 2 === 0 ? forward : [...forward].reverse(),
    ).flat()
    for (const side of order) {
      if (side === 'baseline') {
        const m = await baseCpu.over(base.pid, () =>
          loadWithConnectionCount(baseUrl, bodyFile, segment).then(withDuration),
        )
        baseRuns.push(m.run)
        baseConnections = Math.max(baseConnections, m.connections)
      } else if (side === 'durable') {
        const m = await durableCpu.over(durable.pid, () =>
          loadWithConnectionCount(durableUrl, bodyFile, segment).then(withDuration),
        )
        durableRuns.push(m.run)
      } else await side.round(bodyFile, segment)
    }
    const baseRun = combineRuns(baseRuns)
    const outcomes = new Map<Mode, ClickflowOutcome>()
    for (const side of sides) outcomes.set(side.mode, await side.outcome(sc))
    // Thread mode is always measured (see MODES).
    const thread = outcomes.get('thread')!
    const processMode = outcomes.get('process')
    return {
      scenario: sc,
      disk,
      connections: {
        baseline: baseConnections,
        clickflow: sides.find((s) => s.mode === 'thread')?.connections ?? 0,
      },
      baseline: {
        run: baseRun,
        peakMb: memoryOf(base.pid).peakMb,
        cpu: { ...baseCpu.share(), wrkCpu: baseRun.cpuS / baseRun.durationS },
      },
      durableBaseline: { run: combineRuns(durableRuns), cpu: durableCpu.share() },
      clickflow: thread,
      ...(processMode ? { processMode } : {}),
    }
  } finally {
    for (const side of sides) {
      const clean = await stopServer(side.cf.server)
      if (!clean)
        process.stderr.write(`clickflow (${side.mode}) did not stop within 15 s of SIGTERM; it was killed\n`)
    }
    await stopServer(base)
    await stopServer(durable)
  }
}

/** A measured run carries its wall time for the CPU meter. */
const withDuration = (m: { run: WrkResult; connections: number }) => ({ ...m, durationS: m.run.durationS })

async function main(): Promise<number> {
  const wrkVersion = requireWrk()
  if (opt['cpu-prof']) mkdirSync(opt['cpu-prof'], { recursive: true })
  const loadBefore = loadavg()[0]!
  const tmp = mkdtempSync(join(tmpdir(), 'clickflow-bench-collector-'))
  process.once('exit', () => rmSync(tmp, { recursive: true, force: true }))
  try {
    const outcomes: Outcome[] = []
    for (const sc of SCENARIOS) {
      const bodyFile = join(tmp, `${sc.id}.jsonl`)
      writeFileSync(bodyFile, bodies(sc.eventsPerRequest, sc.eventsPerRequest === 1 ? 1000 : 100))
      process.stderr.write(
        `[collector] ${sc.label}: baseline and clickflow (processing in a ${MODES.join(', in a ')}), ` +
          `${warmup.durationS} s warm-up each, then ` +
          `${ROUNDS} rounds of ${load.durationS / ROUNDS} s per side\n`,
      )
      outcomes.push(await measure(sc, bodyFile, join(tmp, `data-${sc.id}`)))
    }
    return report(outcomes, {
      load,
      wrkVersion,
      loadavg: [loadBefore, loadavg()[0]!],
      rounds: ROUNDS,
      writeDocs: !opt['no-docs'] && !opt.only,
    })
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

process.exitCode = await main()
