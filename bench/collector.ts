// Collector bench: wrk POSTs to clickflow's /collect (single events, then batches of 50) and to a bare
// node:http baseline with the same settings; reports req/s, events/s, latency, the ratio to the
// baseline, collector RSS, and checks that the store holds exactly the acknowledged events.
// Usage: npm run bench:collect -- [--duration 10] [--rounds 2] [--connections 64] [--only single|batch]
//        [--no-docs] [--cpu-prof DIR]   (docs/benchmarks.md is written only by a run of both scenarios)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { collectorCounters, logCounters, sql, startClickflow } from './lib/clickflow.ts'
import { type Outcome, report, type Scenario } from './lib/collector-report.ts'
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
    'no-docs': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
})
const load: Load = { connections: Number(opt.connections), threads: 2, durationS: Number(opt.duration) }
const warmup: Load = { ...load, durationS: Number(opt.warmup) }
/** Each side's measured time is split into this many runs, interleaved B C C B ... */
const ROUNDS = Number(opt.rounds)
/** How long the pipeline may take, after the load, to make every acknowledged event queryable. */
const CATCH_UP_DEADLINE_MS = 45_000

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
    ROUNDS > 0
  )
) {
  process.stderr.write(
    'usage: bench/collector.ts [--duration S] [--warmup S] [--rounds N] [--connections N] [--only single|batch]\n',
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

  /** Measures `run` (which lasts `seconds` of wall time as it reports) on process `pid`. */
  async over<T extends { durationS: number }>(pid: number, run: () => Promise<T>): Promise<T> {
    const a = cpuSeconds(pid)
    const result = await run()
    const b = cpuSeconds(pid)
    this.#process += b.process - a.process
    this.#main += b.main - a.main
    this.#mainWait += b.mainWait - a.mainWait
    this.#seconds += result.durationS
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

/**
 * One scenario: the baseline and clickflow run side by side (one idle while the other is loaded),
 * and the measured time of each is split into rounds in the order B C C B, so drifting load on a
 * shared machine weighs on both alike. After each clickflow round the bench waits until its pipeline
 * has stored everything acknowledged, so every round starts alike and clickflow's backlog never
 * competes with the baseline.
 */
async function measure(sc: Scenario, bodyFile: string, dataDir: string): Promise<Outcome> {
  const prof = opt['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opt['cpu-prof'])}`] : []
  const base = await startServer(
    'baseline',
    ['--import', 'tsx', 'bench/lib/baseline-server.ts'],
    'baseline is running',
  )
  try {
    const cf = await startClickflow(dataDir, prof)
    try {
      const baseUrl = base.ready.url as string
      const idle = memoryOf(cf.server.pid)
      const segment: Load = { ...load, durationS: load.durationS / ROUNDS }
      const disk = {
        smallMs: await fsyncProbe(dirname(dataDir), 64 * 1024, 0.5),
        largeMs: await fsyncProbe(dirname(dataDir), 1 << 20, 0.5),
      }
      await runWrk(baseUrl, bodyFile, warmup)
      const cfRuns: WrkResult[] = [await runWrk(cf.collectUrl, bodyFile, warmup)]
      await caughtUp(cf.adminUrl)
      const baseRuns: WrkResult[] = []
      const baseCpu = new CpuMeter()
      const cfCpu = new CpuMeter()
      const connections = { baseline: 0, clickflow: 0 }
      let log = { fsyncs: 0, fsyncSeconds: 0, appends: 0, appendSeconds: 0, bytes: 0 }
      let underLoad = idle
      let catchUpS = 0
      let catchUpTotalS = 0
      const order = Array.from({ length: ROUNDS }, (_, r) =>
        r % 2 === 0 ? (['baseline', 'clickflow'] as const) : (['clickflow', 'baseline'] as const),
      ).flat()
      for (const side of order) {
        if (side === 'baseline') {
          const m = await baseCpu.over(base.pid, () =>
            loadWithConnectionCount(baseUrl, bodyFile, segment).then(withDuration),
          )
          baseRuns.push(m.run)
          connections.baseline = Math.max(connections.baseline, m.connections)
        } else {
          const log0 = await logCounters(cf.adminUrl)
          const m = await cfCpu.over(cf.server.pid, () =>
            loadWithConnectionCount(cf.collectUrl, bodyFile, segment).then(withDuration),
          )
          const log1 = await logCounters(cf.adminUrl)
          underLoad = memoryOf(cf.server.pid)
          cfRuns.push(m.run)
          connections.clickflow = Math.max(connections.clickflow, m.connections)
          // Each round starts with the pipeline caught up, and the baseline never shares the machine
          // with clickflow's backlog.
          const wait = (await caughtUp(cf.adminUrl)).seconds
          catchUpS = Math.max(catchUpS, wait)
          catchUpTotalS += wait
          log = {
            fsyncs: log.fsyncs + log1.fsyncs - log0.fsyncs,
            fsyncSeconds: log.fsyncSeconds + log1.fsyncSeconds - log0.fsyncSeconds,
            appends: log.appends + log1.appends - log0.appends,
            appendSeconds: log.appendSeconds + log1.appendSeconds - log0.appendSeconds,
            bytes: log.bytes + log1.bytes - log0.bytes,
          }
        }
      }
      const baseRun = combineRuns(baseRuns)
      const cfRun = combineRuns(cfRuns.slice(1))
      const ackedMeasured = acked(cfRun) * sc.eventsPerRequest
      const diagnostics = {
        ...cfCpu.share(),
        wrkCpu: cfRun.cpuS / cfRun.durationS,
        fsyncsPerS: log.fsyncs / cfRun.durationS,
        eventsPerFsync: log.fsyncs > 0 ? ackedMeasured / log.fsyncs : 0,
        fsyncMs: log.fsyncs > 0 ? (log.fsyncSeconds / log.fsyncs) * 1000 : 0,
        appendMs: log.appends > 0 ? (log.appendSeconds / log.appends) * 1000 : 0,
        logBytesPerEvent: log.bytes / Math.max(1, ackedMeasured),
        // Acknowledged and stored: the rounds' events over their load time plus the waits after them.
        sustainedEventsPerS: ackedMeasured / (cfRun.durationS + catchUpTotalS),
      }
      const final = await caughtUp(cf.adminUrl)
      const end = memoryOf(cf.server.pid)
      const ackedEvents = cfRuns.reduce((n, r) => n + acked(r), 0) * sc.eventsPerRequest
      // wrk drops the requests still in flight when its time is up; the collector may have logged them.
      const inFlightBound = cfRuns.length * load.connections * sc.eventsPerRequest
      const { stored, counters } = final
      const ok = stored === counters.sent && stored >= ackedEvents && stored - ackedEvents <= inFlightBound
      return {
        scenario: sc,
        disk,
        connections,
        baseline: {
          run: baseRun,
          peakMb: memoryOf(base.pid).peakMb,
          cpu: { ...baseCpu.share(), wrkCpu: baseRun.cpuS / baseRun.durationS },
        },
        clickflow: {
          run: cfRun,
          rssIdleMb: idle.rssMb,
          rssUnderLoadMb: underLoad.rssMb,
          rssEndMb: end.rssMb,
          peakMb: end.peakMb,
          diagnostics,
          verify: {
            ackedEvents,
            serverAcked: counters.sent,
            stored,
            discarded: counters.discarded,
            inFlightBound,
            caughtUpS: Math.max(catchUpS, final.seconds),
            ok,
          },
        },
      }
    } finally {
      const clean = await stopServer(cf.server)
      if (!clean) process.stderr.write('clickflow did not stop within 15 s of SIGTERM; it was killed\n')
    }
  } finally {
    await stopServer(base)
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
        `[collector] ${sc.label}: baseline and clickflow, ${warmup.durationS} s warm-up each, then ` +
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
