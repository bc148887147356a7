// evaluateGraph's routing of decoded records: events go to their source's readers in log order,
// events of a source nobody reads are counted, dead letters and undecodable records are kept.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type ClickEvent, emptyEvent } from '../core/event.ts'
import { deadLetterRecord, eventRecord } from '../log/envelope.ts'
import type { LogRecord } from '../log/log.ts'
import { type DecodedRecords, evaluateGraph } from './graph-eval.ts'

function event(id: string, source: string): ClickEvent {
  return emptyEvent({
    event_id: id,
    event_type: 'pageview',
    event_time: 1,
    received_at: 2,
    source_id: source,
  })
}

describe('evaluateGraph', () => {
  test('routes interleaved sources in order, counts unread sources, keeps dead letters and bad records', () => {
    const values = [
      eventRecord(event('a1', 'a')).value,
      eventRecord(event('a2', 'a')).value,
      eventRecord(event('b1', 'b')).value,
      eventRecord(event('x1', 'x')).value,
      eventRecord(event('a3', 'a')).value,
      deadLetterRecord({ component_id: 'a', reason: 'bad', message: 'm', received_at: 3, payload: '{}' })
        .value,
      Buffer.from('not a record'),
      eventRecord(event('x2', 'x')).value,
      eventRecord(event('b2', 'b')).value,
    ]
    const records: LogRecord[] = values.map((value, offset) => ({
      partition: 0,
      offset,
      timestamp: 5,
      key: null,
      value,
    }))
    const decoded: DecodedRecords = { events: [], records: [] }
    const out = evaluateGraph(
      records,
      [],
      [
        { id: 'sa', inputs: ['a'] },
        { id: 'sb', inputs: ['b'] },
        { id: 'both', inputs: ['a', 'b'] },
      ],
      new Set(['a', 'b']),
      false,
      decoded,
    )
    const ids = (sink: string) => out.bySink.get(sink)!.map((e) => e.event_id)
    assert.deepEqual(ids('sa'), ['a1', 'a2', 'a3'])
    assert.deepEqual(ids('sb'), ['b1', 'b2'])
    assert.deepEqual(ids('both'), ['a1', 'a2', 'a3', 'b1', 'b2'])
    assert.equal(out.unrouted, 2)
    assert.deepEqual(
      out.deadLetters.map((d) => d.reason),
      ['bad', 'undecodable_record'],
    )
    assert.deepEqual(
      decoded.events.map((e, i) => [e.event_id, decoded.records[i]!.offset]),
      [
        ['a1', 0],
        ['a2', 1],
        ['b1', 2],
        ['x1', 3],
        ['a3', 4],
        ['x2', 7],
        ['b2', 8],
      ],
    )
  })
})
