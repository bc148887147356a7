// Dedupe memory survives a restart: ids of records processed before it are remembered from the log,
// so a repeat appended after the restart (a file line re-read after a crash) is flagged, not stored.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { sampleEvent } from '../../test/conformance/sink-conformance.ts'
import type { Sink, SinkBatch } from '../core/component.ts'
import type { ClickEvent } from '../core/event.ts'
import { EVENTS_TOPIC, eventRecord } from '../log/envelope.ts'
import { SegmentLog } from '../log/segment-log/segment-log.ts'
import { createLogger } from '../telemetry/logger.ts'
import { Metrics } from '../telemetry/metrics.ts'
import { createDedupe } from '../transforms/dedupe/transform.ts'
import { Pipeline } from './pipeline.ts'

const logger = createLogger({ level: 'silent' })
const metrics = new Metrics({ defaultMetrics: false })
let dir = ''
const testLogOptions = {
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
after(() => rm(dir, { recursive: true, force: true }))

class MemorySink implements Sink {
  readonly keepsDeadLetters = false
  readonly events: ClickEvent[] = []
  async healthcheck() {}
  async write(batch: SinkBatch) {
    this.events.push(...batch.events)
  }
  async close() {}
}

function run(log: SegmentLog, warmupRecords: number) {
  const sink = new MemorySink()
  const p = new Pipeline({
    log,
    topic: EVENTS_TOPIC,
    group: 'pipeline',
    sourceIds: new Set(['conformance']),
    transforms: [
      {
        id: 'dedupe',
        inputs: ['conformance'],
        transform: createDedupe({ memory: 1000, warmup_records: warmupRecords }),
        metrics: metrics.component('dedupe', 'dedupe', 'transform'),
      },
    ],
    sinks: [{ id: 'store', inputs: ['dedupe'], sink, metrics: metrics.component('store', 'test', 'sink') }],
    settings: {
      batch_max_events: 10,
      min_batch_interval_ms: 0,
      poll_timeout_ms: 20,
      retry_initial_ms: 5,
      retry_max_ms: 20,
    },
    logger,
  })
  return { p, sink }
}

async function until(f: () => boolean) {
  for (let i = 0; i < 500 && !f(); i++) await new Promise((r) => setTimeout(r, 10))
}

test('a repeat appended after a restart is flagged when its first copy was processed before it', async () => {
  dir = await mkdtemp(join(tmpdir(), 'clickflow-warmup-'))
  const log = await SegmentLog.open({ dir: join(dir, 'log'), ...testLogOptions }, logger)
  await log.append(
    EVENTS_TOPIC,
    ['a', 'b', 'c'].map((id) => eventRecord(sampleEvent(id))),
  )
  const first = run(log, 100)
  await first.p.start()
  await until(() => first.p.position[0] === 3)
  await first.p.stop(0)
  // After the "crash": 'b' and 'c' are appended again (re-read lines), then a new 'd'.
  await log.append(
    EVENTS_TOPIC,
    ['b', 'c', 'd'].map((id) => eventRecord(sampleEvent(id))),
  )
  const second = run(log, 100)
  await second.p.start()
  await until(() => second.p.position[0] === 6)
  await second.p.stop(0)
  assert.deepEqual(
    second.sink.events.map((e) => [e.event_id, e.is_duplicate]),
    [
      ['b', true],
      ['c', true],
      ['d', false],
    ],
  )
  // Without the warmup the memory starts empty and the repeats pass as new.
  await log.append(EVENTS_TOPIC, [eventRecord(sampleEvent('d'))])
  const cold = run(log, 0)
  await cold.p.start()
  await until(() => cold.p.position[0] === 7)
  await cold.p.stop(0)
  assert.deepEqual(
    cold.sink.events.map((e) => [e.event_id, e.is_duplicate]),
    [['d', false]],
  )
  await log.close()
})
