// routeBatch's per-sink partitions and complete(): a sink's events are matched to their log records
// by a forward walk over the decoded events, falling back to a lookup when a sink's list is not in
// decoding order (several inputs, events a transform made, records some sinks skip).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type ClickEvent, emptyEvent } from '../core/event.ts'
import { eventRecord } from '../log/envelope.ts'
import { fieldMask } from '../log/event-codec.ts'
import type { LogRecord } from '../log/log.ts'
import { Metrics } from '../telemetry/metrics.ts'
import type { TransformNode } from './graph-eval.ts'
import { routeBatch } from './route-batch.ts'

function event(id: string, source: string): ClickEvent {
  return {
    ...emptyEvent({ event_id: id, event_type: 'pageview', event_time: 1, received_at: 2, source_id: source }),
    page_url: `https://example.com/${id}`,
  }
}

/** Records of events `a1`.. and `b1`.. spread over partitions, with each id's partition and offset. */
function batch(): { records: LogRecord[]; partitionOfId: Map<string, number> } {
  const layout: [string, string, number][] = [
    ['a1', 'a', 0],
    ['b1', 'b', 1],
    ['a2', 'a', 2],
    ['a3', 'a', 1],
    ['b2', 'b', 0],
    ['a4', 'a', 2],
  ]
  const offsets = [0, 0, 0]
  const partitionOfId = new Map<string, number>()
  const records = layout.map(([id, source, partition]) => {
    partitionOfId.set(id, partition)
    return { ...eventRecord(event(id, source)), partition, offset: offsets[partition]!++, timestamp: 5 }
  })
  return { records, partitionOfId }
}

/** A transform that passes a-events on and answers each b-event with a new event of its own. */
function copier(): TransformNode {
  return {
    id: 't',
    inputs: ['a', 'b'],
    transform: {
      apply: (e) =>
        e.source_id === 'b'
          ? { kind: 'ok', events: [{ ...e, event_id: `${e.event_id}-copy` }] }
          : { kind: 'pass' },
    },
    metrics: new Metrics({ defaultMetrics: false }).component('t', 'test', 'transform'),
  }
}

const SINKS = [
  { id: 'sa', inputs: ['a'] },
  { id: 'both', inputs: ['b', 'a'] },
  { id: 'st', inputs: ['t'] },
]

describe('routeBatch', () => {
  test("each sink's partitions follow its own events, -1 for events a transform made", () => {
    const { records, partitionOfId } = batch()
    const out = routeBatch(records, [copier()], SINKS, new Set(['a', 'b']), new Map())
    for (const sink of SINKS) {
      const events = out.events.get(sink.id)!
      const expected = events.map((e) => partitionOfId.get(e.event_id) ?? -1)
      assert.deepEqual([...out.partitions(sink.id)], expected, sink.id)
    }
    // The sinks' lists themselves, so the expectations above are not vacuous.
    assert.deepEqual(
      out.events.get('both')!.map((e) => e.event_id),
      ['b1', 'b2', 'a1', 'a2', 'a3', 'a4'],
    )
    assert.deepEqual(
      out.events.get('st')!.map((e) => e.event_id),
      ['a1', 'a2', 'a3', 'a4', 'b1-copy', 'b2-copy'],
    )
    assert.deepEqual([...out.partitions('st')], [0, 2, 1, 2, -1, -1])
  })

  test('a sink ahead on a partition gets only what it lacks, with the right partitions', () => {
    const { records, partitionOfId } = batch()
    // `sa` stored partition 2's first record already (a2) before a crash.
    const out = routeBatch(records, [], SINKS.slice(0, 2), new Set(['a', 'b']), new Map([['sa', { 2: 1 }]]))
    const sa = out.events.get('sa')!
    assert.deepEqual(
      sa.map((e) => e.event_id),
      ['a1', 'a3', 'a4'],
    )
    assert.deepEqual(
      [...out.partitions('sa')],
      sa.map((e) => partitionOfId.get(e.event_id)),
    )
    // Records every sink needs come first, then those only `both` needs: not in decoding order.
    assert.deepEqual(
      out.events.get('both')!.map((e) => e.event_id),
      ['b1', 'b2', 'a1', 'a3', 'a4', 'a2'],
    )
    assert.deepEqual(
      [...out.partitions('both')],
      out.events.get('both')!.map((e) => partitionOfId.get(e.event_id)),
    )
  })

  test('complete() decodes a masked event whole from its own record', () => {
    const { records } = batch()
    const mask = fieldMask(['event_id'])
    const out = routeBatch(records, [], SINKS.slice(0, 1), new Set(['a', 'b']), new Map(), mask)
    for (const e of out.events.get('sa')!) {
      assert.equal(e.page_url, null)
      assert.equal(out.complete(e).page_url, `https://example.com/${e.event_id}`)
    }
    const stranger = event('zz', 'a')
    assert.equal(out.complete(stranger), stranger)
  })
})
