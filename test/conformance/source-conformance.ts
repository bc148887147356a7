// The shared conformance suite every source passes: it starts, writes through the EventWriter it
// was given, and stops (idempotently) only after what it took in is acknowledged or refused.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { EventWriter, Source } from '../../src/core/component.ts'
import type { ClickEvent, DeadLetter } from '../../src/core/event.ts'

/** An EventWriter that keeps everything in memory (the log's role, for conformance only). */
export class MemoryWriter implements EventWriter {
  readonly events: ClickEvent[] = []
  readonly deadLetters: DeadLetter[] = []
  async write(events: readonly ClickEvent[]): Promise<void> {
    this.events.push(...events)
  }
  async deadLetter(items: readonly DeadLetter[]): Promise<void> {
    this.deadLetters.push(...items)
  }
}

/** How the suite drives one source type. */
export interface SourceHarness {
  make(): Promise<Source>
  /** Makes the started source take in `n` valid inputs; resolves when they were acknowledged. */
  feed(source: Source, n: number): Promise<void>
}

/** Registers the conformance tests for one source type. */
export function sourceConformance(name: string, harness: SourceHarness): void {
  describe(`source conformance: ${name}`, () => {
    test('writes what it takes in, stamped with its id, and stops idempotently', async () => {
      const source = await harness.make()
      const out = new MemoryWriter()
      await source.start(out)
      await harness.feed(source, 25)
      assert.equal(out.events.length, 25)
      for (const e of out.events) {
        assert.ok(e.event_id.length > 0)
        assert.ok(Number.isFinite(e.event_time) && Number.isFinite(e.received_at))
      }
      await source.stop()
      await source.stop()
    })
  })
}
