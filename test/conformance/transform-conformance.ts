// The shared conformance suite every stateless transform passes: a valid outcome for every event,
// however odd, never an exception; dead letters and drops carry a snake_case reason.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Transform } from '../../src/core/component.ts'
import type { ClickEvent } from '../../src/core/event.ts'
import { sampleEvent } from './sink-conformance.ts'

/** Events at the edges of the contract, built from a valid one. */
export function oddEvents(): ClickEvent[] {
  const base = () => sampleEvent(`odd-${Math.random()}`)
  const list: ClickEvent[] = []
  const add = (change: (e: ClickEvent) => void) => {
    const e = base()
    change(e)
    list.push(e)
  }
  add(() => undefined)
  add((e) => {
    e.props = null
    e.visitor_id = null
    e.page_url = null
  })
  add((e) => {
    e.event_name = null
  })
  add((e) => {
    e.event_time = Number.NaN
  })
  add((e) => {
    e.event_time = e.received_at + 365 * 24 * 3600_000
  })
  add((e) => {
    e.event_id = ''
  })
  add((e) => {
    e.event_type = 'bogus' as ClickEvent['event_type']
  })
  add((e) => {
    e.props = { deep: { deeper: { deepest: ['x'.repeat(100_000)] } } }
  })
  add((e) => {
    e.is_bot = true
  })
  add((e) => {
    e.page_url = 'not a url'
    e.site = ''
  })
  return list
}

/** Registers the conformance tests for one transform type. */
export function transformConformance(name: string, make: () => Promise<Transform>): void {
  describe(`transform conformance: ${name}`, () => {
    test('returns a well-formed outcome for every odd event and never throws', async () => {
      const t = await make()
      for (const e of oddEvents()) {
        const r = t.apply(e)
        assert.ok(['pass', 'ok', 'drop', 'dead_letter'].includes(r.kind))
        if (r.kind === 'ok') assert.ok(Array.isArray(r.events))
        else if (r.kind !== 'pass') assert.match(r.reason, /^[a-z][a-z0-9_]*$/)
        if (r.kind === 'dead_letter') assert.ok(r.message.length > 0)
      }
    })

    test('passes a valid event on', async () => {
      const t = await make()
      const e = sampleEvent('valid')
      const r = t.apply(e)
      assert.ok(r.kind === 'pass' || r.kind === 'ok', `passed on, not ${r.kind}`)
      if (r.kind === 'ok') assert.equal(r.events[0]?.event_id, 'valid')
    })
  })
}
