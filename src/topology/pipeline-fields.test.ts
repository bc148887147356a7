// Sinks that declare the fields they read (Sink.fields): with no transforms, the pipeline decodes
// only the union of their fields, `complete` gives an event back whole, and a refused batch's dead
// letters keep every field. Records are read into two alternating arenas, so the batch being
// delivered stays intact while the next one is read.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import type { Sink, SinkBatch, SinkWriteContext } from '../core/component.ts'
import { SinkError } from '../core/errors.ts'
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { EVENTS_TOPIC, eventRecord } from '../log/envelope.ts'
import { EVENT_FIELD_NAMES } from '../log/event-codec.ts'
import { openTestLog } from '../log/segment-log/testing.ts'
import { createLogger } from '../telemetry/logger.ts'
import { Metrics } from '../telemetry/metrics.ts'
import { createValidate } from '../transforms/validate/transform.ts'
import { Pipeline, type PipelineSink } from './pipeline.ts'

const logger = createLogger({ level: 'silent' })
const metrics = new Metrics({ defaultMetrics: false })
const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** An event with every field set, all different from one event to the next. */
function fullEvent(i: number): ClickEvent {
  const e: Record<string, unknown> = {}
  for (const name of EVENT_FIELD_NAMES) e[name] = `${name}-${i}`
  Object.assign(e, {
    event_type: 'track',
    source_id: 'src',
    event_time: 1_700_000_000_000 + i,
    received_at: 1_700_000_000_100 + i,
    sent_at: 1_700_000_000_050 + i,
    is_bot: true,
    is_duplicate: true,
    is_corrupt: true,
    props: { n: i, text: `é ${i}`, nested: { ok: true } },
  })
  return e as unknown as ClickEvent
}

/** Keeps what it gets, and each event made whole by `ctx.complete` (after an optional pause). */
class FieldSink implements Sink {
  readonly events: ClickEvent[] = []
  readonly whole: ClickEvent[] = []
  readonly deadLetters: DeadLetter[] = []
  constructor(
    readonly fields: readonly (keyof ClickEvent)[] | undefined,
    private readonly pauseMs = 0,
    private failures: (SinkError | null)[] = [],
  ) {}
  readonly keepsDeadLetters = true
  async healthcheck() {}
  async write(batch: SinkBatch, ctx: SinkWriteContext) {
    const f = this.failures.shift()
    if (f) throw f
    // While this write waits, the pipeline reads the next batch: it must not land in this one's memory.
    if (this.pauseMs > 0) await new Promise((r) => setTimeout(r, this.pauseMs))
    for (const e of batch.events) {
      this.events.push(e)
      this.whole.push(ctx.complete ? ctx.complete(e) : e)
    }
    this.deadLetters.push(...batch.deadLetters)
  }
  async close() {}
}

async function run(
  events: readonly ClickEvent[],
  sinks: Record<string, FieldSink>,
  withTransform = false,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clickflow-fields-'))
  dirs.push(dir)
  const log = await openTestLog(join(dir, 'log'), { partitions: 1 })
  // One log batch per event: each read of the pipeline starts at a new place in the file (a read
  // that started where the previous one did would put the same bytes in the same memory).
  for (const e of events) await log.append(EVENTS_TOPIC, [eventRecord(e)])
  const inputs = [withTransform ? 'valid' : 'src']
  const nodes: PipelineSink[] = Object.entries(sinks).map(([id, sink]) => ({
    id,
    inputs,
    sink,
    metrics: metrics.component(id, 'test', 'sink'),
  }))
  const p = new Pipeline({
    log,
    topic: EVENTS_TOPIC,
    group: 'fields',
    sourceIds: new Set(['src']),
    transforms: withTransform
      ? [
          {
            id: 'valid',
            inputs: ['src'],
            transform: createValidate({
              require_visitor_id: true,
              require_site: false,
              max_future_ms: 1e15,
              max_props_bytes: 1e6,
              drop_bots: false,
            }),
            metrics: metrics.component('valid', 'validate', 'transform'),
          },
        ]
      : [],
    sinks: nodes,
    settings: {
      batch_max_events: 5,
      min_batch_interval_ms: 0,
      poll_timeout_ms: 20,
      retry_initial_ms: 5,
      retry_max_ms: 20,
    },
    logger,
  })
  await p.start()
  try {
    const deadline = Date.now() + 10_000
    while ((p.position[0] ?? 0) < events.length) {
      if (Date.now() > deadline) assert.fail('the pipeline did not consume the log in time')
      await new Promise((r) => setTimeout(r, 10))
    }
  } finally {
    await p.stop(0)
    await log.close()
  }
}

/** `e` with only `fields` (plus the routing fields) kept, the rest as a decode without them gives. */
function projected(e: ClickEvent, fields: readonly (keyof ClickEvent)[]): ClickEvent {
  const keep = new Set<string>([...fields, 'source_id', 'event_type'])
  const out: Record<string, unknown> = {}
  for (const name of EVENT_FIELD_NAMES) {
    const v = e[name]
    out[name] = keep.has(name)
      ? v
      : typeof v === 'boolean'
        ? false
        : name === 'event_id'
          ? ''
          : name === 'event_time' || name === 'received_at'
            ? 0
            : null
  }
  return out as unknown as ClickEvent
}

describe('Pipeline: sinks that declare their fields', () => {
  const events = Array.from({ length: 23 }, (_, i) => fullEvent(i))

  test('only the union of the declared fields is decoded; complete() gives each event whole', async () => {
    const a = new FieldSink(['visitor_id', 'event_time', 'props'], 30)
    const b = new FieldSink(['page_path', 'is_bot'])
    await run(events, { a, b })
    const union = ['visitor_id', 'event_time', 'props', 'page_path', 'is_bot'] as const
    assert.deepEqual(
      a.events,
      events.map((e) => projected(e, union)),
    )
    assert.deepEqual(b.events, a.events)
    // Read back from the record (the first sink pauses while the next batch is read: its batch's
    // records must still hold their own bytes).
    assert.deepEqual(a.whole, events)
    assert.deepEqual(b.whole, events)
  })

  test('one sink without a declaration, or any transform, means whole events', async () => {
    const declared = new FieldSink(['visitor_id'])
    const open = new FieldSink(undefined)
    await run(events, { declared, open })
    assert.deepEqual(declared.events, events)
    assert.deepEqual(open.events, events)
    const behind = new FieldSink(['visitor_id'])
    await run(events, { behind }, true)
    assert.deepEqual(behind.events, events)
  })

  test("a refused batch's dead letters keep every field of its events", async () => {
    const sink = new FieldSink(['visitor_id'], 0, [new SinkError('bad_batch', 'refused', false)])
    await run(events, { sink })
    const refused = sink.deadLetters.filter((d) => d.reason === 'sink_refused')
    assert.equal(refused.length, 5) // the first batch
    assert.deepEqual(
      refused.map((d) => JSON.parse(d.payload)),
      events.slice(0, 5),
    )
    assert.deepEqual(sink.whole, events.slice(5))
  })
})
