// The pipeline between the log and the sinks: offsets committed only after sinks resolve, retries
// with backoff, refused batches kept as dead letters, and exactly-once after a crash between a
// sink's commit and the offset commit.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { sampleEvent } from '../../test/conformance/sink-conformance.ts'
import { buildTestDuckdbSink } from '../../test/helpers/build-context.ts'
import { ManualClock } from '../core/clock.ts'
import type { Sink, SinkBatch } from '../core/component.ts'
import { SinkError } from '../core/errors.ts'
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { deadLetterRecord, decodeEnvelope, EVENTS_TOPIC, eventRecord } from '../log/envelope.ts'
import { SegmentLog } from '../log/segment-log/segment-log.ts'
import { openDatabase } from '../store/duckdb/database.ts'
import { createLogger } from '../telemetry/logger.ts'
import { Metrics } from '../telemetry/metrics.ts'
import { createDedupe } from '../transforms/dedupe/transform.ts'
import { createValidate } from '../transforms/validate/transform.ts'
import { Pipeline, type PipelineSink } from './pipeline.ts'

const logger = createLogger({ level: 'silent' })
const metrics = new Metrics({ defaultMetrics: false })
const settings = {
  batch_max_events: 4,
  min_batch_interval_ms: 0,
  poll_timeout_ms: 20,
  retry_initial_ms: 5,
  retry_max_ms: 20,
}
const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** Settings of a one-partition log, so these tests can name offsets exactly. */
export const testLogOptions = {
  partitions: 1,
  segmentBytes: 1 << 20,
  segmentMs: 3_600_000,
  retentionMs: null,
  retentionBytes: null,
  compression: 'none',
  flushIntervalMs: 0,
  maxBatchBytes: 1 << 20,
  retentionCheckMs: 0,
  lagUpdateMs: 0,
} as const

async function newLog(): Promise<{ dir: string; log: SegmentLog }> {
  const dir = await mkdtemp(join(tmpdir(), 'clickflow-pipeline-'))
  dirs.push(dir)
  return { dir, log: await SegmentLog.open({ dir: join(dir, 'log'), ...testLogOptions }, logger) }
}

/** An in-memory sink whose failures the test scripts. */
class ScriptedSink implements Sink {
  readonly events: ClickEvent[] = []
  readonly deadLetters: DeadLetter[] = []
  constructor(
    readonly keepsDeadLetters: boolean,
    private failures: (SinkError | null)[] = [],
  ) {}
  async healthcheck() {}
  async write(batch: SinkBatch) {
    const f = this.failures.shift()
    if (f) throw f
    this.events.push(...batch.events)
    this.deadLetters.push(...batch.deadLetters)
  }
  async close() {}
}

function node(id: string, sink: Sink, inputs = ['valid']): PipelineSink {
  return { id, inputs, sink, metrics: metrics.component(id, 'test', 'sink') }
}

function pipeline(log: SegmentLog, sinks: PipelineSink[]) {
  return new Pipeline({
    log,
    topic: EVENTS_TOPIC,
    group: 'pipeline',
    sourceIds: new Set(['conformance']),
    transforms: [
      {
        id: 'valid',
        inputs: ['conformance'],
        transform: createValidate({
          require_visitor_id: true,
          require_site: false,
          max_future_ms: 1e9,
          max_props_bytes: 1e6,
          drop_bots: true,
        }),
        metrics: metrics.component('valid', 'validate', 'transform'),
      },
    ],
    sinks,
    settings,
    logger,
  })
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail('condition not reached in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('Pipeline', () => {
  test('routes outcomes: valid events to sinks, invalid ones to dead letters, bots dropped', async () => {
    const { log } = await newLog()
    const bad = sampleEvent('no-visitor')
    bad.visitor_id = null
    const bot = sampleEvent('bot')
    bot.is_bot = true
    const fromSource: DeadLetter = {
      component_id: 'collector',
      reason: 'missing_name',
      message: 'm',
      received_at: 1,
      payload: '{}',
    }
    await log.append(EVENTS_TOPIC, [
      ...['a', 'b', 'c'].map((id) => eventRecord(sampleEvent(id))),
      eventRecord(bad),
      eventRecord(bot),
      deadLetterRecord(fromSource),
    ])
    const keeper = new ScriptedSink(true)
    const other = new ScriptedSink(false)
    const p = pipeline(log, [node('keeper', keeper), node('other', other)])
    await p.start()
    await until(() => p.position[0] === 6)
    await p.stop(0)
    assert.deepEqual(
      keeper.events.map((e) => e.event_id),
      ['a', 'b', 'c'],
    )
    assert.deepEqual(
      other.events.map((e) => e.event_id),
      ['a', 'b', 'c'],
    )
    assert.deepEqual(keeper.deadLetters.map((d) => d.reason).sort(), ['missing_name', 'missing_visitor_id'])
    assert.equal(other.deadLetters.length, 0)
    assert.deepEqual(await log.committed(EVENTS_TOPIC, 'pipeline'), { 0: 6 })
    await log.close()
  })

  test('retries a retryable failure and commits only after the sink resolved', async () => {
    const { log } = await newLog()
    await log.append(
      EVENTS_TOPIC,
      ['a', 'b'].map((id) => eventRecord(sampleEvent(id))),
    )
    const flaky = new ScriptedSink(false, [
      new SinkError('down', 'down', true),
      new SinkError('down', 'down', true),
    ])
    const p = pipeline(log, [node('flaky', flaky)])
    await p.start()
    await until(() => flaky.events.length === 2)
    await until(async () => (await log.committed(EVENTS_TOPIC, 'pipeline'))[0] === 2)
    assert.equal(p.healthy, true)
    await p.stop(0)
    await log.close()
  })

  test('reads and transforms the next batch while the sinks write one; delivers in order, commits after each write', async () => {
    const { log } = await newLog()
    const ids = Array.from({ length: 12 }, (_, i) => `e${String(i).padStart(2, '0')}`)
    await log.append(
      EVENTS_TOPIC,
      ids.map((id) => eventRecord(sampleEvent(id))),
    )
    // The first write waits until the test lets it go; meanwhile the log must see the next read.
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => {
      release = r
    })
    const seen: string[][] = []
    let writing = 0
    const slow: Sink = {
      keepsDeadLetters: false,
      async healthcheck() {},
      async write(batch) {
        writing++
        assert.equal(writing, 1, 'one write at a time')
        if (seen.length === 0) await held
        seen.push(batch.events.map((e) => e.event_id))
        writing--
      },
      async close() {},
    }
    let reads = 0
    const counting = new Proxy(log, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver)
        if (prop !== 'read') return typeof v === 'function' ? v.bind(target) : v
        return (...args: Parameters<SegmentLog['read']>) => {
          reads++
          return target.read(...args)
        }
      },
    })
    const p = pipeline(counting, [node('slow', slow)])
    await p.start()
    await until(() => reads >= 2)
    assert.deepEqual(seen, [], 'the first batch is still being written')
    assert.deepEqual(await log.committed(EVENTS_TOPIC, 'pipeline'), {}, 'nothing committed before the write')
    release()
    await until(() => seen.flat().length === ids.length)
    assert.deepEqual(seen.flat(), ids, 'every event once, in log order')
    await until(async () => (await log.committed(EVENTS_TOPIC, 'pipeline'))[0] === ids.length)
    await p.stop(0)
    await log.close()
  })

  test('a stop while retrying commits nothing; the batch is delivered after restart', async () => {
    const { log } = await newLog()
    await log.append(
      EVENTS_TOPIC,
      ['a'].map((id) => eventRecord(sampleEvent(id))),
    )
    const down = new ScriptedSink(false, Array(1000).fill(new SinkError('down', 'down', true)))
    const p = pipeline(log, [node('down', down)])
    await p.start()
    await until(() => !p.healthy)
    await p.stop(0)
    assert.deepEqual(await log.committed(EVENTS_TOPIC, 'pipeline'), {})
    const up = new ScriptedSink(false)
    const again = pipeline(log, [node('up', up)])
    await again.start()
    await until(() => up.events.length === 1)
    await again.stop(0)
    await log.close()
  })

  test('a batch the sink refuses for good becomes dead letters instead of blocking', async () => {
    const { log } = await newLog()
    await log.append(
      EVENTS_TOPIC,
      ['a', 'b'].map((id) => eventRecord(sampleEvent(id))),
    )
    const picky = new ScriptedSink(true, [new SinkError('bad', 'conversion failed', false)])
    const p = pipeline(log, [node('picky', picky)])
    await p.start()
    await until(() => picky.deadLetters.length === 2)
    await p.stop(0)
    assert.deepEqual(
      picky.deadLetters.map((d) => d.reason),
      ['sink_refused', 'sink_refused'],
    )
    assert.equal(picky.events.length, 0)
    await log.close()
  })

  test('exactly once: a sink that stored a batch before the offsets were committed gets only the rest', async () => {
    const { dir, log } = await newLog()
    const ids = Array.from({ length: 10 }, (_, i) => `x${i}`)
    await log.append(
      EVENTS_TOPIC,
      ids.map((id) => eventRecord(sampleEvent(id))),
    )
    const path = join(dir, 'db.duckdb')
    const build = () => buildTestDuckdbSink(path, { clock: new ManualClock(), dataDir: dir })
    // The crash: the sink committed records 0..5 with its position, the group offset never moved.
    const first = await build()
    const head = await log.read(EVENTS_TOPIC, 0, 0, 6)
    await first.write(
      {
        events: head.map((r) => (decodeEnvelope(r.value) as { event: ClickEvent }).event),
        deadLetters: [],
      },
      { signal: new AbortController().signal, position: { topic: EVENTS_TOPIC, offsets: { 0: 6 } } },
    )
    await first.close()
    const sink = await build()
    const p = pipeline(log, [node('store', sink)])
    await p.start()
    await until(() => p.position[0] === 10)
    await p.stop(0)
    await sink.close()
    const db = await openDatabase(path, { memoryLimit: '256MB', allowedDirectories: [] })
    const c = await db.connect()
    const rows = (
      await c.runAndReadAll('SELECT event_id, count(*) FROM events GROUP BY 1 ORDER BY 1')
    ).getRowsJson()
    c.closeSync()
    await db.release()
    assert.deepEqual(
      rows,
      ids.map((id) => [id, '1']),
    )
    await log.close()
  })

  test('a sink whose stored position is ahead gets the rest once, not flagged by a stateful transform', async () => {
    const { log } = await newLog()
    await log.append(
      EVENTS_TOPIC,
      ['a', 'b', 'c', 'd'].map((id) => eventRecord(sampleEvent(id))),
    )
    // The crash: 'ahead' stored records 0..1 with its position; the group offset never moved.
    const ahead = new ScriptedSink(false)
    const aheadSink: Sink = Object.assign(ahead, {
      storedPosition: async () => ({ topic: EVENTS_TOPIC, offsets: { 0: 2 } }),
    })
    const behind = new ScriptedSink(false)
    const p = new Pipeline({
      log,
      topic: EVENTS_TOPIC,
      group: 'pipeline',
      sourceIds: new Set(['conformance']),
      transforms: [
        {
          id: 'dedupe',
          inputs: ['conformance'],
          transform: createDedupe({ memory: 1000 }),
          metrics: metrics.component('dedupe', 'dedupe', 'transform'),
        },
      ],
      sinks: [node('ahead', aheadSink, ['dedupe']), node('behind', behind, ['dedupe'])],
      settings: { ...settings, batch_max_events: 100 },
      logger,
    })
    await p.start()
    await until(() => p.position[0] === 4)
    await p.stop(0)
    assert.deepEqual(
      ahead.events.map((e) => [e.event_id, e.is_duplicate]),
      [
        ['c', false],
        ['d', false],
      ],
    )
    assert.deepEqual(
      behind.events.map((e) => [e.event_id, e.is_duplicate]),
      ['a', 'b', 'c', 'd'].map((id) => [id, false]),
    )
    await log.close()
  })
})
