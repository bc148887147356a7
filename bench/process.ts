// `npm run bench:process`: the stream processor's cost and latency, each against a baseline from
// the same run. (1) Throughput: a log filled beforehand is consumed by the pipeline with a
// pass-through sink (read + decode + route, the baseline), then with the processor sink
// (watermarks, sessions, per-minute rollups, checkpoints into DuckDB: on this backlog every 10 s
// at most, and once more with one every second as when it keeps up with live traffic), then with
// the processor and the live sink together; events/s per core = events / CPU seconds of the
// process (DuckDB's threads included). Target >= 200 K events/s per core. (2) End to end at 10 K events/s
// into a running clickflow: from the collector's 2xx to the event counted in /api/sql (events), in a
// pushed /api/live snapshot and in the sessions table; target p99 <= 1 s for /api/sql and /api/live.
// Writes the "Stream processor" section of docs/benchmarks.md.
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { storeSchema } from '../src/config/schema.ts'
import { type Clock, ManualClock, systemClock } from '../src/core/clock.ts'
import type { Sink } from '../src/core/component.ts'
import type { EventField } from '../src/core/event.ts'
import { LIVE_FIELDS } from '../src/live/live-state.ts'
import { EVENTS_TOPIC, eventRecord } from '../src/log/envelope.ts'
import { SegmentLog } from '../src/log/segment-log/segment-log.ts'
import { type EngineOptions, ProcessorEngine } from '../src/processor/engine.ts'
import { PROCESSOR_FIELDS } from '../src/processor/event-fields.ts'
import { openDatabase } from '../src/store/duckdb/database.ts'
import { createLogger } from '../src/telemetry/logger.ts'
import { Metrics } from '../src/telemetry/metrics.ts'
import { builtinRegistry } from '../src/topology/builtin-registry.ts'
import { Pipeline } from '../src/topology/pipeline.ts'
import { sql, startClickflow } from './lib/clickflow.ts'
import { machine, revision, writeSection } from './lib/docs.ts'
import { followLive, liveLatencies } from './lib/live-visibility.ts'
import { processEvent } from './lib/process-events.ts'
import { stopServer } from './lib/processes.ts'
import { withProcessingHeap } from './lib/processing-heap.ts'

withProcessingHeap()

const EVENTS = Number(process.env.BENCH_PROCESS_EVENTS ?? 400_000)
/**
 * Rounds of every variant, interleaved; each row is its best round. CPU time per event moved by up to
 * 30% between rounds of one run on this shared machine (contention only ever adds to it), and the
 * first round also pays for compiling: 2 rounds often left a variant with no representative one.
 */
const ROUNDS = 4
const TARGET_PER_CORE = 200_000
const E2E_RATE = 10_000
const E2E_SECONDS = Number(process.env.BENCH_PROCESS_E2E_SECONDS ?? 20)
const E2E_BATCH = 100
const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

const logger = createLogger({ level: 'silent' })
/** What the processor and the live view read: (a) decodes these, as (c) does. */
const READ_FIELDS = [...new Set([...PROCESSOR_FIELDS, ...LIVE_FIELDS])]
/** The processor sink's defaults, in engine terms. */
const ENGINE_DEFAULTS: EngineOptions = {
  watermarkBoundMs: 5_000,
  idleTimeoutMs: 10_000,
  allowedLatenessMs: 300_000,
  sessionGapMs: 1_800_000,
  sessionMaxMs: 86_400_000,
  bounceEngagedMs: 10_000,
}
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** Reads nothing of the events; decodes what `fields` names (all fields without it). */
class PassThrough implements Sink {
  constructor(readonly fields?: readonly EventField[]) {}
  readonly keepsDeadLetters = false
  events = 0
  async healthcheck() {}
  async write(batch: Parameters<Sink['write']>[0]) {
    this.events += batch.events.length
  }
  async close() {}
}

interface Measured {
  readonly wall: number
  readonly cpu: number
}

/** Fills a 4-partition log with the stream, once; every variant reads this same log. */
async function fillLog(dir: string): Promise<SegmentLog> {
  const log = await SegmentLog.open(
    {
      dir: join(dir, 'log'),
      partitions: 4,
      segmentBytes: 256 << 20,
      segmentMs: 3_600_000,
      retentionMs: null,
      retentionBytes: null,
      compression: 'none',
      flushIntervalMs: 0,
      maxBatchBytes: 8 << 20,
      retentionCheckMs: 0,
      lagUpdateMs: 0,
    },
    logger,
  )
  for (let i = 0; i < EVENTS; i += 2_000) {
    const records = []
    for (let j = i; j < Math.min(EVENTS, i + 2_000); j++) records.push(eventRecord(processEvent(j)))
    await log.append(EVENTS_TOPIC, records)
  }
  return log
}

/** Consumes the whole log with `sinks` as a fresh consumer group; wall and CPU seconds. */
async function consume(
  log: SegmentLog,
  group: string,
  sinks: { id: string; sink: Sink }[],
): Promise<Measured> {
  const metrics = new Metrics({ defaultMetrics: false })
  const pipeline = new Pipeline({
    log,
    topic: EVENTS_TOPIC,
    group,
    sourceIds: new Set(['collector']),
    transforms: [],
    sinks: sinks.map((s) => ({
      ...s,
      inputs: ['collector'],
      metrics: metrics.component(s.id, 'bench', 'sink'),
    })),
    settings: {
      batch_max_events: 10_000,
      min_batch_interval_ms: 0,
      poll_timeout_ms: 50,
      retry_initial_ms: 50,
      retry_max_ms: 1_000,
    },
    logger,
  })
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await pipeline.start()
  const total = EVENTS
  for (;;) {
    const done = Object.values(await log.committed(EVENTS_TOPIC, group)).reduce((s, o) => s + o, 0)
    if (done >= total) break
    await new Promise((r) => setTimeout(r, 5))
  }
  await pipeline.stop(0)
  // The final checkpoint is part of the work.
  for (const s of sinks) await s.sink.close()
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const c = process.cpuUsage(cpu0)
  return { wall, cpu: (c.user + c.system) / 1e6 }
}

/** Builds a registered sink over the database at `path`. */
async function buildSink(
  type: string,
  id: string,
  path: string,
  metrics: Metrics,
  clock: Clock = systemClock,
  config: Record<string, unknown> = {},
): Promise<Sink> {
  const spec = builtinRegistry().get('sink', type)
  if (!spec) throw new Error(`no sink type ${type}`)
  const ctx = {
    id,
    type,
    log: logger,
    metrics: metrics.component(id, type, 'sink'),
    registry: metrics,
    clock,
    dataDir: join(path, '..'),
    openDuckdb: () =>
      openDatabase(path, { memoryLimit: storeSchema.parse({}).memory_limit, allowedDirectories: [] }),
  }
  return (await spec.build(spec.config.parse(config), ctx)) as Sink
}

/**
 * The live sink on a clock that follows the stream: the bench's events span hours of event time
 * long past, and on the wall clock the live sink would ignore them all as too old (measuring
 * nothing). Each batch moves the clock to its newest event, as if the traffic were happening now.
 */
async function streamTimedLive(path: string, metrics: Metrics): Promise<Sink> {
  let now = 0
  const sink = await buildSink('live', 'live', path, metrics, { now: () => now })
  return {
    ...sink,
    keepsDeadLetters: sink.keepsDeadLetters,
    healthcheck: (signal) => sink.healthcheck(signal),
    write: (batch, ctx) => {
      for (const e of batch.events) if (e.event_time > now) now = e.event_time
      return sink.write(batch, ctx)
    },
    close: () => sink.close(),
  }
}

/** Checkpoints of a processor run: how many, their summed duration, session rows written. */
interface CheckpointStats {
  readonly count: number
  readonly seconds: number
  readonly rows: number
}

/** The processor with a checkpoint every second whatever the lag, as when it keeps up with live traffic. */
const EVERY_SECOND = { checkpoint_interval_ms: 1_000, checkpoint_max_interval_ms: 1_000 }

async function checkpointStats(m: Metrics): Promise<CheckpointStats> {
  const text = await m.registry.metrics()
  const value = (prefix: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(prefix))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
  return {
    count: value('clickflow_processor_checkpoint_seconds_count'),
    seconds: value('clickflow_processor_checkpoint_seconds_sum'),
    rows: value('clickflow_component_sent_events_total{component_id="processor"'),
  }
}

async function throughput(): Promise<{
  pass: Measured
  passWhole: Measured
  proc: Measured
  perSecond: Measured
  live: Measured | null
  sessions: number
  rollupEvents: number
  checkpoints: CheckpointStats
  perSecondCheckpoints: CheckpointStats
}> {
  const dir = await mkdtemp(join(tmpdir(), 'clickflow-bench-process-'))
  try {
    process.stderr.write(`filling a log with ${fmt(EVENTS)} events\n`)
    const log = await fillLog(dir)
    const hasLive = builtinRegistry().get('sink', 'live') !== undefined
    const best = (a: Measured | null, b: Measured) => (a && a.cpu <= b.cpu ? a : b)
    let pass: Measured | null = null
    let passWhole: Measured | null = null
    let proc: Measured | null = null
    let perSecond: Measured | null = null
    let live: Measured | null = null
    let sessions = 0
    let rollupEvents = 0
    let checkpoints: CheckpointStats = { count: 0, seconds: 0, rows: 0 }
    let perSecondCheckpoints: CheckpointStats = { count: 0, seconds: 0, rows: 0 }
    for (let round = 0; round < ROUNDS; round++) {
      // The same decode as (c): the fields the processor and the live view declare.
      const p = await consume(log, `pass-${round}`, [{ id: 'pass', sink: new PassThrough(READ_FIELDS) }])
      pass = best(pass, p)
      const w = await consume(log, `pass-whole-${round}`, [{ id: 'pass', sink: new PassThrough() }])
      passWhole = best(passWhole, w)
      const path = join(dir, `proc-${round}.duckdb`)
      const m = new Metrics({ defaultMetrics: false })
      const q = await consume(log, `proc-${round}`, [
        { id: 'processor', sink: await buildSink('processor', 'processor', path, m) },
      ])
      if (best(proc, q) === q) checkpoints = await checkpointStats(m)
      proc = best(proc, q)
      const db = await openDatabase(path, {
        memoryLimit: storeSchema.parse({}).memory_limit,
        allowedDirectories: [],
      })
      const c = await db.connect()
      const [row] = (
        await c.runAndReadAll(
          'SELECT (SELECT count(*) FROM sessions), (SELECT sum(events) FROM rollups_minute)',
        )
      ).getRows()
      sessions = Number(row![0])
      rollupEvents = Number(row![1])
      c.closeSync()
      await db.release()
      const sm = new Metrics({ defaultMetrics: false })
      const spath = join(dir, `every-second-${round}.duckdb`)
      const every = await consume(log, `every-second-${round}`, [
        {
          id: 'processor',
          sink: await buildSink('processor', 'processor', spath, sm, systemClock, EVERY_SECOND),
        },
      ])
      if (best(perSecond, every) === every) perSecondCheckpoints = await checkpointStats(sm)
      perSecond = best(perSecond, every)
      let l: Measured | null = null
      if (hasLive) {
        const lpath = join(dir, `live-${round}.duckdb`)
        const lm = new Metrics({ defaultMetrics: false })
        l = await consume(log, `live-${round}`, [
          { id: 'processor', sink: await buildSink('processor', 'processor', lpath, lm) },
          { id: 'live', sink: await streamTimedLive(lpath, lm) },
        ])
        live = best(live, l)
      }
      process.stderr.write(
        `round ${round + 1}: pass-through ${fmt(EVENTS / p.cpu)}/s per core (decoding every field ${fmt(EVENTS / w.cpu)}), processor ${fmt(EVENTS / q.cpu)}/s per core, with a checkpoint every second ${fmt(EVENTS / every.cpu)}/s per core${l ? `, processor + live ${fmt(EVENTS / l.cpu)}/s per core` : ''}\n`,
      )
    }
    await log.close()
    return {
      pass: pass!,
      passWhole: passWhole!,
      proc: proc!,
      perSecond: perSecond!,
      live,
      sessions,
      rollupEvents,
      checkpoints,
      perSecondCheckpoints,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The engine alone on events already in memory: no log, no decoding, no store; best of 3. */
function engineAlone(): number {
  const n = 100_000
  const events = Array.from({ length: n }, (_, i) => processEvent(i))
  let best = 0
  for (let round = 0; round < 3; round++) {
    const engine = new ProcessorEngine(ENGINE_DEFAULTS, new ManualClock())
    const c0 = process.cpuUsage()
    for (let i = 0; i < n; i += 10_000) engine.process(events.slice(i, i + 10_000), () => 0)
    engine.drain()
    const c = process.cpuUsage(c0)
    best = Math.max(best, n / ((c.user + c.system) / 1e6))
  }
  return best
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Posts E2E_RATE events/s for E2E_SECONDS; latency from each batch's 2xx to its events being counted. */
async function endToEnd(): Promise<{
  events: number[]
  sessions: number[]
  live: number[]
  posted: number
  errors: number
}> {
  const dir = await mkdtemp(join(tmpdir(), 'clickflow-bench-process-e2e-'))
  const cf = await startClickflow(dir)
  try {
    // The live view: every message's page views of the last hour, matched against those acknowledged.
    const live = await followLive(cf.adminUrl)
    const acks: { at: number; cumulative: number; pageViews: number }[] = []
    let posted = 0
    let pageViews = 0
    let errors = 0
    let stop = false
    const seen = { events: [] as number[], sessions: [] as number[] }
    // Two pollers: how many events /api/sql counts, and how many the sessions table holds.
    const poll = async (query: string, out: number[]) => {
      let next = 0
      while (!stop || next < acks.length) {
        const n = Number((await sql(cf.adminUrl, query))[0]![0] ?? 0)
        const now = performance.now()
        while (next < acks.length && acks[next]!.cumulative <= n) out.push(now - acks[next++]!.at)
        if (stop && performance.now() - stopAt > 30_000) break
        await new Promise((r) => setTimeout(r, 10))
      }
    }
    let stopAt = 0
    const pollers = [
      poll('SELECT count(*) FROM events', seen.events),
      poll('SELECT coalesce(sum(events), 0) FROM sessions', seen.sessions),
    ]
    const interval = (1000 * E2E_BATCH) / E2E_RATE
    const t0 = performance.now()
    const inFlight: Promise<void>[] = []
    for (let k = 0; k < (E2E_RATE / E2E_BATCH) * E2E_SECONDS; k++) {
      const due = t0 + k * interval
      const wait = due - performance.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      const events = Array.from({ length: E2E_BATCH }, (_, i) => ({
        type: i % 5 === 0 ? 'track' : 'pageview',
        name: i % 5 === 0 ? 'click' : undefined,
        url: `https://shop.example.com/p${(k * E2E_BATCH + i) % 50}`,
        visitor_id: `v${(k * E2E_BATCH + i) % 3000}`,
      }))
      const body = JSON.stringify({ events })
      inFlight.push(
        (async () => {
          const res = await fetch(new URL('/collect', cf.collectUrl), {
            method: 'POST',
            // A browser's user agent: Node's own ("node") is flagged as a bot, which the live view
            // leaves out.
            headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
            body,
          })
          await res.arrayBuffer()
          if (res.status !== 200) {
            errors++
            return
          }
          posted += E2E_BATCH
          pageViews += E2E_BATCH - E2E_BATCH / 5
          // Acks are recorded in acknowledgement order; a batch counts as visible once the count
          // reaches everything acknowledged up to it.
          acks.push({ at: performance.now(), cumulative: posted, pageViews })
        })(),
      )
    }
    await Promise.all(inFlight)
    stop = true
    stopAt = performance.now()
    await Promise.all(pollers)
    const marks = await live.stop()
    return {
      events: seen.events.sort((a, b) => a - b),
      sessions: seen.sessions.sort((a, b) => a - b),
      live: liveLatencies(acks, marks).sort((a, b) => a - b),
      posted,
      errors,
    }
  } finally {
    await stopServer(cf.server)
    await rm(dir, { recursive: true, force: true })
  }
}

const loadBefore = loadavg()[0]!
const engine = engineAlone()
process.stderr.write(`engine alone: ${fmt(engine)} events/s per core\n`)
const t = await throughput()
const e2e = await endToEnd()
const loadAfter = loadavg()[0]!

const perCore = (m: Measured) => EVENTS / m.cpu
const processorOnly = EVENTS / Math.max(1e-9, t.proc.cpu - t.pass.cpu)
const pass = (ok: boolean) => (ok ? 'pass' : 'BELOW TARGET')
const p = (xs: readonly number[], q: number) => (xs.length === 0 ? Number.NaN : percentile(xs, q))
const lines = [
  `Measured ${new Date().toISOString().slice(0, 16)}Z on ${machine()}, load average ${fmt(loadBefore, 1)} before and ${fmt(loadAfter, 1)} after; revision ${revision() ?? 'unknown'}.`,
  '',
  `**Throughput.** ${fmt(EVENTS)} enriched events in a 4-partition log (5,000 visitors active at once, 20 events per visit, every 10th an engagement event; 50 events per second of event time, so sessions open and close during the run), consumed by the pipeline from the first offset, best of ${ROUNDS} rounds. CPU seconds are the whole process's (DuckDB's threads included), so events/s per core = events / CPU seconds. The processor and live sinks declare the fields they read, so with no transforms the pipeline decodes only those (the user agent, address, URL parts, title and click ids of no event); the pass-through (a) decodes the same fields, (a0) every field.`,
  '',
  `| consumer | wall s | events/s | CPU s | events/s per core | ratio to pass-through | target ${fmt(TARGET_PER_CORE)}/s per core |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  `| (a) baseline: pass-through sink (read, decode the fields the processor and the live view read, route) | ${fmt(t.pass.wall, 2)} | ${fmt(EVENTS / t.pass.wall)} | ${fmt(t.pass.cpu, 2)} | ${fmt(perCore(t.pass))} | 1.00 | |`,
  `| (a0) the same decoding every field (a sink that does not declare its fields) | ${fmt(t.passWhole.wall, 2)} | ${fmt(EVENTS / t.passWhole.wall)} | ${fmt(t.passWhole.cpu, 2)} | ${fmt(perCore(t.passWhole))} | ${fmt(perCore(t.passWhole) / perCore(t.pass), 2)} | |`,
  `| (b) processor sink: watermarks + sessions + rollups + checkpoints | ${fmt(t.proc.wall, 2)} | ${fmt(EVENTS / t.proc.wall)} | ${fmt(t.proc.cpu, 2)} | ${fmt(perCore(t.proc))} | ${fmt(perCore(t.proc) / perCore(t.pass), 2)} | ${pass(perCore(t.proc) >= TARGET_PER_CORE)} |`,
  `| (b1) the same with a checkpoint every second (the cadence when it keeps up with live traffic) | ${fmt(t.perSecond.wall, 2)} | ${fmt(EVENTS / t.perSecond.wall)} | ${fmt(t.perSecond.cpu, 2)} | ${fmt(perCore(t.perSecond))} | ${fmt(perCore(t.perSecond) / perCore(t.pass), 2)} | ${pass(perCore(t.perSecond) >= TARGET_PER_CORE)} |`,
  ...(t.live
    ? [
        `| (c) processor + live sinks | ${fmt(t.live.wall, 2)} | ${fmt(EVENTS / t.live.wall)} | ${fmt(t.live.cpu, 2)} | ${fmt(perCore(t.live))} | ${fmt(perCore(t.live) / perCore(t.pass), 2)} | ${pass(perCore(t.live) >= TARGET_PER_CORE)} |`,
      ]
    : []),
  `| the processor's own cost, (b) - (a) | | | ${fmt(t.proc.cpu - t.pass.cpu, 2)} | ${fmt(processorOnly)} | | ${pass(processorOnly >= TARGET_PER_CORE)} |`,
  `| (d) the engine alone: watermarks + sessions + rollups on events in memory, no log, no store | | | | ${fmt(engine)} | | ${pass(engine >= TARGET_PER_CORE)} |`,
  '',
  `The processor wrote ${fmt(t.sessions)} sessions and rollups counting ${fmt(t.rollupEvents)} events (every event once). A checkpoint writes the sessions that changed since the last one (here up to all 5,000 open ones), the changed minutes and one state document, so its cost grows with the sessions that changed, not with the events. On this backlog (events received a day before they are processed) the checkpoint interval stretches with the lag, up to \`checkpoint_max_interval_ms\` (10 s): (b) took ${fmt(t.checkpoints.count)} checkpoints, ${fmt(t.checkpoints.seconds, 2)} s of transaction time in all (in the background; wall time, including waits for the disk), ${fmt(t.checkpoints.rows)} session rows. With one every second, (b1) took ${fmt(t.perSecondCheckpoints.count)}, ${fmt(t.perSecondCheckpoints.seconds, 2)} s, ${fmt(t.perSecondCheckpoints.rows)} rows: ${fmt((t.perSecond.cpu - t.proc.cpu) / Math.max(1, t.perSecondCheckpoints.count - t.checkpoints.count), 3)} CPU s per extra checkpoint of ~5,000 sessions. (d) is the per-event cost of the engine on events already in memory (no decoding, no allocation of fresh events, no store).`,
  '',
  `**End to end at ${fmt(E2E_RATE)} events/s.** \`clickflow start\` (default topology: store and processor${t.live ? ' and live' : ''} sinks), ${E2E_SECONDS} s of POST /collect batches of ${E2E_BATCH} events at a steady pace from this process; latency from each batch's 2xx to its events being counted by a poller of /api/sql (every ~10 ms plus the query's own time), and to the first /api/live message (Server-Sent Events, subscribed for the run) whose page views reach those acknowledged; 4 of 5 events are page views, sent with a browser's user agent (so not flagged as bots, which the live view leaves out). ${fmt(e2e.posted)} events acknowledged, ${e2e.errors} batches refused.`,
  '',
  '| visible in | batches | p50 ms | p99 ms | max ms | target |',
  '| --- | ---: | ---: | ---: | ---: | --- |',
  `| \`events\` through /api/sql | ${e2e.events.length} | ${fmt(p(e2e.events, 50))} | ${fmt(p(e2e.events, 99))} | ${fmt(p(e2e.events, 100))} | p99 <= 1,000 ms: ${pass(p(e2e.events, 99) <= 1000)} |`,
  `| \`/api/live\` (page views of the last hour in the pushed snapshots) | ${e2e.live.length} | ${fmt(p(e2e.live, 50))} | ${fmt(p(e2e.live, 99))} | ${fmt(p(e2e.live, 100))} | p99 <= 1,000 ms: ${pass(e2e.live.length === e2e.events.length && p(e2e.live, 99) <= 1000)} |`,
  `| \`sessions\` (the processor's checkpoint, every 1 s) | ${e2e.sessions.length} | ${fmt(p(e2e.sessions, 50))} | ${fmt(p(e2e.sessions, 99))} | ${fmt(p(e2e.sessions, 100))} | (the table is current within the checkpoint interval) |`,
]
const body = lines.join('\n')
process.stdout.write(`${body}\n`)
writeSection('process', 'Stream processor', body)
