// Collector bench: wrk POSTs to clickflow's /collect (single events, then batches of 50) and to a bare
// node:http baseline with the same settings; reports req/s, events/s, latency, the ratio to the
// baseline, collector RSS, and checks that the store holds exactly the acknowledged events.
// Usage: npm run bench:collect -- [--duration 10] [--connections 64] [--only single|batch]
//        [--no-docs] [--cpu-prof DIR]   (docs/benchmarks.md is written only by a run of both scenarios)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { collectorCounters, logCounters, sql, startClickflow } from './lib/clickflow.ts'
import { type Outcome, report, type Scenario } from './lib/collector-report.ts'
import { fsyncProbe } from './lib/disk.ts'
import { cpuSeconds, memoryOf, startServer, stopServer } from './lib/processes.ts'
import { type Load, requireWrk, runWrk, type WrkResult } from './lib/wrk.ts'

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    only: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
})
const load: Load = { connections: Number(opt.connections), threads: 2, durationS: Number(opt.duration) }
const warmup: Load = { ...load, durationS: Number(opt.warmup) }
/** How long the pipeline may take, after the load, to make every acknowledged event queryable. */
const CATCH_UP_DEADLINE_MS = 45_000

const SCENARIOS: Scenario[] = [
  { id: 'single', label: 'single events', eventsPerRequest: 1 },
  { id: 'batch', label: 'batches of 50', eventsPerRequest: 50 },
].filter((s) => !opt.only || s.id === opt.only)
if (SCENARIOS.length === 0 || !(load.durationS > 0 && warmup.durationS > 0 && load.connections > 0)) {
  process.stderr.write(
    'usage: bench/collector.ts [--duration S] [--warmup S] [--connections N] [--only single|batch]\n',
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

/** Share of one core used over a run by the whole process and its main (event loop) thread, and the
 * share of the run the main thread was ready to run but waited for a core. */
const cpuShare = (a: ReturnType<typeof cpuSeconds>, b: typeof a, seconds: number) => ({
  processCpu: (b.process - a.process) / seconds,
  mainCpu: (b.main - a.main) / seconds,
  mainWaitCpu: (b.mainWait - a.mainWait) / seconds,
})

/** Requests answered 2xx, which for clickflow means fsync'd in the log. */
const acked = (r: WrkResult) => r.requests - r.non2xx

async function measureBaseline(bodyFile: string): Promise<Outcome['baseline']> {
  const s = await startServer(
    'baseline',
    ['--import', 'tsx', 'bench/lib/baseline-server.ts'],
    'baseline is running',
  )
  try {
    const url = s.ready.url as string
    await runWrk(url, bodyFile, warmup)
    const cpu0 = cpuSeconds(s.pid)
    const run = await runWrk(url, bodyFile, load)
    return { run, peakMb: memoryOf(s.pid).peakMb, cpu: cpuShare(cpu0, cpuSeconds(s.pid), run.durationS) }
  } finally {
    await stopServer(s)
  }
}

async function measureClickflow(
  sc: Scenario,
  bodyFile: string,
  dataDir: string,
): Promise<Outcome['clickflow']> {
  const prof = opt['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opt['cpu-prof'])}`] : []
  const cf = await startClickflow(dataDir, prof)
  const idle = memoryOf(cf.server.pid)
  try {
    const warm = await runWrk(cf.collectUrl, bodyFile, warmup)
    const [cpu0, log0] = [cpuSeconds(cf.server.pid), await logCounters(cf.adminUrl)]
    const run = await runWrk(cf.collectUrl, bodyFile, load)
    const [cpu1, log1] = [cpuSeconds(cf.server.pid), await logCounters(cf.adminUrl)]
    const underLoad = memoryOf(cf.server.pid)
    const fsyncs = log1.fsyncs - log0.fsyncs
    const appends = log1.appends - log0.appends
    const diagnostics = {
      ...cpuShare(cpu0, cpu1, run.durationS),
      fsyncsPerS: fsyncs / run.durationS,
      eventsPerFsync: fsyncs > 0 ? (acked(run) * sc.eventsPerRequest) / fsyncs : 0,
      fsyncMs: fsyncs > 0 ? ((log1.fsyncSeconds - log0.fsyncSeconds) / fsyncs) * 1000 : 0,
      appendMs: appends > 0 ? ((log1.appendSeconds - log0.appendSeconds) / appends) * 1000 : 0,
      logBytesPerEvent: (log1.bytes - log0.bytes) / Math.max(1, acked(run) * sc.eventsPerRequest),
    }
    // Wait until the pipeline has stored everything the collector acknowledged, with a deadline.
    const started = Date.now()
    let counters = await collectorCounters(cf.adminUrl)
    let stored = await countStored(cf.adminUrl)
    while (stored < counters.sent && Date.now() - started < CATCH_UP_DEADLINE_MS) {
      await new Promise((r) => setTimeout(r, 250))
      counters = await collectorCounters(cf.adminUrl)
      stored = await countStored(cf.adminUrl)
    }
    const caughtUpS = (Date.now() - started) / 1000
    const end = memoryOf(cf.server.pid)
    const ackedEvents = (acked(warm) + acked(run)) * sc.eventsPerRequest
    // wrk drops the requests still in flight when its time is up; the collector may have logged them.
    const inFlightBound = 2 * load.connections * sc.eventsPerRequest
    const ok = stored === counters.sent && stored >= ackedEvents && stored - ackedEvents <= inFlightBound
    return {
      run,
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
        caughtUpS,
        ok,
      },
    }
  } finally {
    const clean = await stopServer(cf.server)
    if (!clean) process.stderr.write('clickflow did not stop within 15 s of SIGTERM; it was killed\n')
  }
}

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
      process.stderr.write(`[collector] ${sc.label}: baseline (${warmup.durationS}+${load.durationS} s)\n`)
      const baseline = await measureBaseline(bodyFile)
      process.stderr.write(`[collector] ${sc.label}: clickflow (${warmup.durationS}+${load.durationS} s)\n`)
      const disk = {
        smallMs: await fsyncProbe(tmp, 64 * 1024, 0.5),
        largeMs: await fsyncProbe(tmp, 1 << 20, 0.5),
      }
      const clickflow = await measureClickflow(sc, bodyFile, join(tmp, `data-${sc.id}`))
      outcomes.push({ scenario: sc, baseline, disk, clickflow })
    }
    return report(outcomes, {
      load,
      wrkVersion,
      loadavg: [loadBefore, loadavg()[0]!],
      writeDocs: !opt['no-docs'] && !opt.only,
    })
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

process.exitCode = await main()
