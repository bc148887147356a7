// The processor sink over a real DuckDB and a real segment log: tables written at checkpoints (a
// merged-away session disappears, rollups upsert, late events kept with their watermark), and a
// crash between checkpoints: the pipeline resumes at the checkpoint for this sink alone, and the
// final tables equal those of a run without the crash.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { testContext } from '../../../test/helpers/build-context.ts'
import { ManualClock } from '../../core/clock.ts'
import type { Sink, SinkBatch, SinkWriteContext } from '../../core/component.ts'
import type { ClickEvent } from '../../core/event.ts'
import { EVENTS_TOPIC, eventRecord } from '../../log/envelope.ts'
import { SegmentLog } from '../../log/segment-log/segment-log.ts'
import { decodeStateDoc } from '../../processor/session-state.ts'
import { MINUTE, SECOND, T0, testEvent } from '../../processor/testing.ts'
import { type Database, openDatabase } from '../../store/duckdb/database.ts'
import { createLogger } from '../../telemetry/logger.ts'
import { Metrics } from '../../telemetry/metrics.ts'
import { Pipeline } from '../../topology/pipeline.ts'
import { processorSink } from './index.ts'
import type { ProcessorSink } from './sink.ts'

const logger = createLogger({ level: 'silent' })
const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'clickflow-processor-'))
  dirs.push(d)
  return d
}

const open = (path: string) => openDatabase(path, { memoryLimit: '256MB', allowedDirectories: [] })

function build(path: string, config: Record<string, unknown> = {}, clock = new ManualClock(T0)) {
  return processorSink.build(
    processorSink.config.parse({ checkpoint_interval_ms: 3_600_000, allowed_lateness_ms: MINUTE, ...config }),
    testContext({ id: 'processor', type: 'processor', kind: 'sink', clock, openDuckdb: () => open(path) }),
  ) as Promise<ProcessorSink>
}

async function query(db: Database, sql: string): Promise<unknown[][]> {
  const c = await db.connect()
  try {
    return (await c.runAndReadAll(sql)).getRowsJson() as unknown[][]
  } finally {
    c.closeSync()
  }
}

const ctx = (offset: number) => ({
  signal: new AbortController().signal,
  position: { topic: EVENTS_TOPIC, offsets: { 0: offset } },
  partitionOf: () => 0,
})

describe('processor sink', () => {
  test('checkpoints write sessions, rollups and late events; a merged-away session row disappears', async () => {
    const path = join(await tempDir(), 'db.duckdb')
    const sink = await build(path, { allowed_lateness_ms: 30 * MINUTE })
    await sink.write(
      {
        events: [
          testEvent('v', T0, { id: 'a1', page: '/a' }),
          testEvent('v', T0 + 20 * MINUTE, { id: 'a2', page: '/b' }),
          testEvent('v', T0 + 55 * MINUTE, { id: 'b1', page: '/c' }),
        ],
        deadLetters: [],
      },
      ctx(3),
    )
    await sink.checkpoint()
    const db = await open(path)
    assert.deepEqual(
      await query(db, 'SELECT entry_page, exit_page, events FROM sessions ORDER BY start_time'),
      [
        ['/a', '/b', 2],
        ['/c', '/c', 1],
      ],
    )
    // 0:40 bridges 0:20 and 0:55; 0:00 of another visitor is late (before the watermark, 0:55 - 5 s
    // bound, minus 30 min).
    await sink.write(
      {
        events: [testEvent('v', T0 + 40 * MINUTE, { id: 'bridge' }), testEvent('w', T0, { id: 'old' })],
        deadLetters: [],
      },
      ctx(5),
    )
    await sink.checkpoint()
    assert.deepEqual(
      await query(
        db,
        'SELECT visitor_id, entry_page, exit_page, events, page_views FROM sessions ORDER BY start_time',
      ),
      [['v', '/a', '/c', 4, 4]],
    )
    assert.deepEqual(await query(db, "SELECT event_id, strftime(watermark, '%H:%M:%S') FROM late_events"), [
      ['old', '00:54:55'],
    ])
    assert.deepEqual(
      await query(
        db,
        "SELECT strftime(minute, '%H:%M'), page_views::INTEGER, events::INTEGER, visitors::INTEGER, events_by_name::VARCHAR, octet_length(visitors_hll)::INTEGER FROM rollups_minute ORDER BY minute",
      ),
      [
        ['00:00', 1, 1, 1, '{"pageview":1}', 4096],
        ['00:20', 1, 1, 1, '{"pageview":1}', 4096],
        ['00:40', 1, 1, 1, '{"pageview":1}', 4096],
        ['00:55', 1, 1, 1, '{"pageview":1}', 4096],
      ],
    )
    assert.deepEqual(await sink.storedPosition(EVENTS_TOPIC), { topic: EVENTS_TOPIC, offsets: { 0: 5 } })
    await sink.close()
    await db.release()
  })

  test('a failed checkpoint is written again before anything newer, and a retried batch is not applied twice', async () => {
    const path = join(await tempDir(), 'db.duckdb')
    const sink = await build(path, { checkpoint_max_events: 1 })
    const db = await open(path)
    // The first batch is checkpointed before the write resolves (a position to report from then on).
    await sink.write({ events: [testEvent('v', T0, { id: 'first' })], deadLetters: [] }, ctx(1))
    assert.deepEqual(await sink.storedPosition(EVENTS_TOPIC), { topic: EVENTS_TOPIC, offsets: { 0: 1 } })
    // Break the transaction from outside: a table the checkpoint writes is missing.
    const c = await db.connect()
    await c.run('ALTER TABLE rollups_minute RENAME TO rollups_away')
    const batch = { events: [testEvent('v', T0 + SECOND, { id: 'only' })], deadLetters: [] }
    // The checkpoint runs in the background: the write resolves, the checkpoint fails.
    await sink.write(batch, ctx(2))
    await assert.rejects(sink.checkpoint(), /processor checkpoint/)
    // While a checkpoint is failing, writes retry it and report the error to the pipeline.
    await assert.rejects(sink.write(batch, ctx(2)), /processor checkpoint/)
    await c.run('ALTER TABLE rollups_away RENAME TO rollups_minute')
    c.closeSync()
    await sink.write(batch, ctx(2)) // the pipeline retries the same batch
    assert.deepEqual(await query(db, 'SELECT events FROM sessions'), [[2]])
    assert.deepEqual(await query(db, 'SELECT events::INTEGER FROM rollups_minute'), [[2]])
    await sink.close()
    await db.release()
  })

  test('open sessions saved in the previous format (a JSON row each) are restored and then replaced by a snapshot', async () => {
    const path = join(await tempDir(), 'db.duckdb')
    const first = await build(path)
    await first.write({ events: [testEvent('v', T0, { id: 'one', page: '/a' })], deadLetters: [] }, ctx(1))
    await first.close()
    // Rewrite the saved state as the previous version kept it: one JSON object per open session.
    const db = await open(path)
    const c = await db.connect()
    const [[doc]] = (await c.runAndReadAll('SELECT state FROM clickflow_processor_state')).getRows() as [
      [string],
    ]
    const [session] = decodeStateDoc(doc).open
    const { persisted_start: _unknownBefore, ...old } = session!
    await c.run('DELETE FROM clickflow_processor_state')
    await c.run(
      `INSERT INTO clickflow_processor_sessions VALUES ('processor', 'one', '${JSON.stringify(old)}')`,
    )
    const restarted = await build(path)
    await restarted.write(
      { events: [testEvent('v', T0 + MINUTE, { id: 'two', page: '/b' })], deadLetters: [] },
      ctx(2),
    )
    await restarted.checkpoint()
    assert.deepEqual(await query(db, 'SELECT entry_page, exit_page, events FROM sessions'), [['/a', '/b', 2]])
    assert.deepEqual(await query(db, 'SELECT count(*)::INTEGER FROM clickflow_processor_sessions'), [[0]])
    assert.deepEqual(await query(db, 'SELECT snapshot FROM clickflow_processor_state'), [[true]])
    c.closeSync()
    await restarted.close()
    await db.release()
  })

  test('checkpoints come every interval when live and as often as the lag (up to the maximum) on a backlog', async () => {
    const path = join(await tempDir(), 'db.duckdb')
    const clock = new ManualClock(T0)
    const sink = await build(
      path,
      {
        checkpoint_interval_ms: SECOND,
        checkpoint_max_interval_ms: 10 * SECOND,
        allowed_lateness_ms: 60 * MINUTE,
      },
      clock,
    )
    const stored = async () => (await sink.storedPosition(EVENTS_TOPIC))?.offsets[0]
    let offset = 0
    // Events received `lagMs` before the clock's now, one per batch.
    const write = async (lagMs: number) => {
      offset++
      await sink.write(
        { events: [testEvent('v', clock.now() - lagMs, { id: `b${offset}` })], deadLetters: [] },
        ctx(offset),
      )
      await sink.settled()
    }
    await write(20 * MINUTE)
    assert.equal(await stored(), 1, 'the first batch is checkpointed at once')
    // A backlog 20 minutes behind: no checkpoint until the maximum interval has passed.
    clock.advance(2 * SECOND)
    await write(20 * MINUTE)
    clock.advance(7 * SECOND)
    await write(20 * MINUTE)
    assert.equal(await stored(), 1)
    clock.advance(SECOND)
    await write(20 * MINUTE)
    assert.equal(await stored(), 4, 'the maximum interval passed')
    // 3 s behind: every 3 s.
    clock.advance(2 * SECOND)
    await write(3 * SECOND)
    assert.equal(await stored(), 4)
    clock.advance(SECOND)
    await write(3 * SECOND)
    assert.equal(await stored(), 6)
    // Caught up: every interval again.
    clock.advance(SECOND)
    await write(0)
    assert.equal(await stored(), 7)
    clock.advance(SECOND / 2)
    await write(0)
    assert.equal(await stored(), 7)
    await sink.close()
    assert.equal(await stored(), 8, 'closing writes what was applied')
  })
})

/** Events of 12 visitors over 3 hours: gaps that split sessions, out-of-order arrivals within lateness. */
function stream(): ClickEvent[] {
  const out: ClickEvent[] = []
  for (let step = 0; step < 40; step++) {
    for (let v = 0; v < 12; v++) {
      // Visitor v is active in bursts; every 7th step jumps 35 minutes (a new session).
      const t = T0 + step * 4 * MINUTE + (step % 7 === 6 ? 35 * MINUTE : 0) + v * SECOND
      // Some arrive 20 s early relative to their neighbours: out of order within the bound + lateness.
      const jitter = (step + v) % 5 === 0 ? -20 * SECOND : 0
      out.push(
        testEvent(`v${v}`, t + jitter, {
          id: `s${String(step).padStart(2, '0')}-v${v}`,
          type: step % 3 === 0 ? 'pageview' : 'track',
          name: step % 3 === 0 ? undefined : 'click',
          page: `/p${step % 4}`,
        }),
      )
    }
  }
  return out.map((e) => ({ ...e, source_id: 'src' }))
}

/** An exactly-once sink in memory: it stores each batch's position with its events. */
class Recorder implements Sink {
  readonly keepsDeadLetters = false
  readonly ids: string[] = []
  /** Every position it was given, in order. */
  readonly positions: Record<number, number>[] = []
  async healthcheck() {}
  async write(batch: SinkBatch, ctx: SinkWriteContext) {
    for (const e of batch.events) this.ids.push(e.event_id)
    this.positions.push({ ...ctx.position.offsets })
  }
  async storedPosition(topic: string) {
    const last = this.positions.at(-1)
    return last ? { topic, offsets: last } : null
  }
  async close() {}
}

async function runPipeline(log: SegmentLog, sinks: { id: string; sink: Sink }[], until: number) {
  const metrics = new Metrics({ defaultMetrics: false })
  const p = new Pipeline({
    log,
    topic: EVENTS_TOPIC,
    group: 'pipeline',
    sourceIds: new Set(['src']),
    transforms: [],
    sinks: sinks.map((s) => ({ ...s, inputs: ['src'], metrics: metrics.component(s.id, 'test', 'sink') })),
    settings: {
      batch_max_events: 20,
      min_batch_interval_ms: 0,
      poll_timeout_ms: 20,
      retry_initial_ms: 5,
      retry_max_ms: 20,
    },
    logger,
  })
  await p.start()
  const deadline = Date.now() + 20_000
  while (Object.values(p.position).reduce((a, b) => a + b, 0) < until) {
    if (Date.now() > deadline) assert.fail('the pipeline did not reach the end of the log')
    await new Promise((r) => setTimeout(r, 10))
  }
  await p.stop(0)
}

async function tables(path: string): Promise<string> {
  const db = await open(path)
  const out = JSON.stringify([
    await query(
      db,
      'SELECT * EXCLUDE (start_time, end_time), epoch_ms(start_time), epoch_ms(end_time) FROM sessions ORDER BY session_id',
    ),
    await query(
      db,
      'SELECT site, epoch_ms(minute), page_views, events, visitors, events_by_name::VARCHAR, md5(visitors_hll::VARCHAR) FROM rollups_minute ORDER BY 1, 2',
    ),
    await query(db, 'SELECT event_id FROM late_events ORDER BY 1'),
  ])
  await db.release()
  return out
}

test('a crash between checkpoints: the pipeline replays from the checkpoint to this sink alone; tables equal a run without the crash', async () => {
  const events = stream()
  const logOptions = {
    partitions: 2,
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
  // Reference: one run, no crash.
  const refDir = await tempDir()
  const refLog = await SegmentLog.open({ dir: join(refDir, 'log'), ...logOptions }, logger)
  await refLog.append(EVENTS_TOPIC, events.map(eventRecord))
  const refSink = await build(join(refDir, 'db.duckdb'))
  await runPipeline(refLog, [{ id: 'processor', sink: refSink }], events.length)
  await refSink.close()
  await refLog.close()
  const reference = await tables(join(refDir, 'db.duckdb'))
  assert.ok(JSON.parse(reference)[0].length > 12, 'gaps split sessions')

  const dir = await tempDir()
  const path = join(dir, 'db.duckdb')
  const log = await SegmentLog.open({ dir: join(dir, 'log'), ...logOptions }, logger)
  await log.append(EVENTS_TOPIC, events.slice(0, 300).map(eventRecord))
  // A checkpoint every 180 events: the crash leaves 120 applied and acknowledged but unsaved.
  const crashed = await build(path, { checkpoint_max_events: 180 })
  const recorder = new Recorder()
  await runPipeline(
    log,
    [
      { id: 'processor', sink: crashed },
      { id: 'other', sink: recorder },
    ],
    300,
  )
  // A checkpoint still in flight would commit behind the restarted sink's back; a real crash ends it.
  await crashed.settled()
  const checkpointed = (await crashed.storedPosition(EVENTS_TOPIC))!.offsets
  const sum = (o: Record<number, number>) => Object.values(o).reduce((a, b) => a + b, 0)
  assert.ok(sum(checkpointed) < 300, `the checkpoint (${sum(checkpointed)}) is behind what was acknowledged`)
  // The crash: `crashed` is abandoned without its final checkpoint; a new one restores the saved state.
  await log.append(EVENTS_TOPIC, events.slice(300).map(eventRecord))
  const restarted = await build(path, { checkpoint_max_events: 180 })
  await runPipeline(
    log,
    [
      { id: 'processor', sink: restarted },
      { id: 'other', sink: recorder },
    ],
    events.length,
  )
  await restarted.close()
  await log.close()
  assert.equal(await tables(path), reference)
  // The other sink got every event once: the replay for the processor was not sent to it, and the
  // position it was given never went back (storing a lower one would make it receive records twice).
  assert.deepEqual([...recorder.ids].sort(), events.map((e) => e.event_id).sort())
  for (let i = 1; i < recorder.positions.length; i++)
    for (const [p, o] of Object.entries(recorder.positions[i - 1]!))
      assert.ok(recorder.positions[i]![Number(p)]! >= o, `position ${i} of the other sink went back`)
  // Only now may the abandoned sink let go of its connection (its final checkpoint is stale; it
  // writes into a database nobody reads any more).
})

test('a crash before the first interval: the first batch was checkpointed, so nothing is lost for the processor', async () => {
  const events = stream()
  const logOptions = {
    partitions: 2,
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
  const refDir = await tempDir()
  const refLog = await SegmentLog.open({ dir: join(refDir, 'log'), ...logOptions }, logger)
  await refLog.append(EVENTS_TOPIC, events.map(eventRecord))
  const refSink = await build(join(refDir, 'db.duckdb'))
  await runPipeline(refLog, [{ id: 'processor', sink: refSink }], events.length)
  await refSink.close()
  await refLog.close()
  const reference = await tables(join(refDir, 'db.duckdb'))

  const dir = await tempDir()
  const path = join(dir, 'db.duckdb')
  const log = await SegmentLog.open({ dir: join(dir, 'log'), ...logOptions }, logger)
  await log.append(EVENTS_TOPIC, events.map(eventRecord))
  // An interval of an hour: the crash comes long before the first interval would end, after the
  // pipeline has committed offsets for 300 events (the other sink has them).
  const crashed = await build(path)
  const recorder = new Recorder()
  await runPipeline(
    log,
    [
      { id: 'processor', sink: crashed },
      { id: 'other', sink: recorder },
    ],
    300,
  )
  await crashed.settled()
  const first = await crashed.storedPosition(EVENTS_TOPIC)
  assert.ok(first !== null, 'the first batch left a position')
  const restarted = await build(path)
  await runPipeline(
    log,
    [
      { id: 'processor', sink: restarted },
      { id: 'other', sink: recorder },
    ],
    events.length,
  )
  await restarted.close()
  await log.close()
  assert.equal(await tables(path), reference)
})
