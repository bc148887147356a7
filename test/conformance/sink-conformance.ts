// The shared conformance suite every sink passes: health, empty and real batches, dead letters
// when kept, stored positions when exactly-once, idempotent close.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Sink } from '../../src/core/component.ts'
import { type ClickEvent, emptyEvent } from '../../src/core/event.ts'

/** How the suite drives one sink type. */
export interface SinkHarness {
  /** Builds a fresh sink (each test gets a new one over fresh storage). */
  make(): Promise<Sink>
  /** Event ids the storage holds now, read independently of the sink. */
  storedIds(): Promise<string[]>
  /** Dead-letter reasons the storage holds now (only for sinks that keep dead letters). */
  storedDeadLetterReasons?(): Promise<string[]>
}

/** A valid event with the given id. */
export function sampleEvent(id: string, at = Date.UTC(2026, 10, 21, 10)): ClickEvent {
  const e = emptyEvent({
    event_id: id,
    event_type: 'track',
    event_time: at,
    received_at: at + 5,
    source_id: 'conformance',
  })
  e.event_name = 'signup'
  e.visitor_id = `v-${id}`
  e.page_url = 'https://example.test/a?b=1'
  e.props = { plan: 'pro', n: 3, nested: { ok: true }, list: [1, 'two'] }
  return e
}

const ctx = (offset: number) => ({
  signal: new AbortController().signal,
  position: { topic: 'events', offsets: { 0: offset } },
})

/** Registers the conformance tests for one sink type. */
export function sinkConformance(name: string, harness: SinkHarness): void {
  describe(`sink conformance: ${name}`, () => {
    test('healthcheck resolves and an empty batch is fine', async () => {
      const sink = await harness.make()
      await sink.healthcheck(AbortSignal.timeout(5000))
      await sink.write({ events: [], deadLetters: [] }, ctx(0))
      await sink.close()
    })

    test('a written batch is stored, every event once', async () => {
      const sink = await harness.make()
      const ids = Array.from({ length: 250 }, (_, i) => `c-${i}`)
      await sink.write({ events: ids.slice(0, 100).map((id) => sampleEvent(id)), deadLetters: [] }, ctx(100))
      await sink.write({ events: ids.slice(100).map((id) => sampleEvent(id)), deadLetters: [] }, ctx(250))
      await sink.close()
      assert.deepEqual((await harness.storedIds()).sort(), [...ids].sort())
    })

    test('dead letters are kept when the sink says it keeps them', async () => {
      const sink = await harness.make()
      const dl = {
        component_id: 'x',
        reason: 'conformance_reason',
        message: 'm',
        received_at: Date.now(),
        payload: '{}',
      }
      await sink.write({ events: [], deadLetters: [dl] }, ctx(1))
      const keeps = sink.keepsDeadLetters
      await sink.close()
      if (keeps) {
        assert.ok(
          harness.storedDeadLetterReasons,
          'a sink that keeps dead letters needs storedDeadLetterReasons in its harness',
        )
        assert.deepEqual(await harness.storedDeadLetterReasons(), ['conformance_reason'])
      }
    })

    test('an exactly-once sink reports the position stored with its last batch', async () => {
      const sink = await harness.make()
      if (!sink.storedPosition) {
        await sink.close()
        return
      }
      assert.equal(await sink.storedPosition('events'), null)
      await sink.write({ events: [sampleEvent('p-1')], deadLetters: [] }, ctx(7))
      assert.deepEqual(await sink.storedPosition('events'), { topic: 'events', offsets: { 0: 7 } })
      await sink.write({ events: [sampleEvent('p-2')], deadLetters: [] }, ctx(9))
      assert.deepEqual(await sink.storedPosition('events'), { topic: 'events', offsets: { 0: 9 } })
      await sink.close()
    })
  })
}
