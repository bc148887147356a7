// The http_collector with a real server and client: conformance, a 200 only after the log write
// resolved, 503 with Retry-After when the log fails, and draining on stop.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MemoryWriter, sourceConformance } from '../../../test/conformance/source-conformance.ts'
import { testContext } from '../../../test/helpers/build-context.ts'
import type { EventWriter, Source } from '../../core/component.ts'
import { ConfigError, TransportError } from '../../core/errors.ts'
import type { ClickEvent } from '../../core/event.ts'
import { httpCollectorSource } from './index.ts'

async function make(overrides: Record<string, unknown> = {}): Promise<Source> {
  const ctx = testContext({ id: 'collector', type: 'http_collector', kind: 'source' })
  return httpCollectorSource.build(
    httpCollectorSource.config.parse({ host: '127.0.0.1', port: 0, ...overrides }),
    ctx,
  )
}

function post(source: Source, events: unknown[]): Promise<Response> {
  return fetch(source.urls()[0]!, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  })
}

sourceConformance('http_collector', {
  make,
  feed: async (source, n) => {
    const res = await post(
      source,
      Array.from({ length: n }, (_, i) => ({ type: 'pageview', url: `https://example.test/${i}` })),
    )
    assert.equal(res.status, 200)
  },
})

describe('http_collector acknowledgement', () => {
  test('answers only after the write resolved', async () => {
    const source = await make()
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => {
      release = r
    })
    let written = false
    const out: EventWriter = {
      write: async (_events: readonly ClickEvent[]) => {
        await gate
        written = true
      },
      deadLetter: async () => undefined,
    }
    await source.start(out)
    let answered = false
    const pending = post(source, [{ type: 'pageview' }]).then((r) => {
      answered = true
      return r
    })
    await new Promise((r) => setTimeout(r, 100))
    assert.equal(answered, false, 'no answer while the write is pending')
    release()
    const res = await pending
    assert.equal(res.status, 200)
    assert.ok(written)
    await source.stop()
  })

  test('503 with Retry-After when the log fails, and nothing claimed accepted', async () => {
    const source = await make()
    await source.start({
      write: async () => {
        throw new TransportError('log_disk_full', 'no space left on device')
      },
      deadLetter: async () => undefined,
    })
    const res = await post(source, [{ type: 'pageview' }])
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), '1')
    assert.equal(((await res.json()) as { code: string }).code, 'log_disk_full')
    await source.stop()
  })

  test('stop waits for a request in flight, and it still gets its 200', async () => {
    const source = await make()
    const writer = new MemoryWriter()
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => {
      release = r
    })
    await source.start({
      write: async (e) => gate.then(() => writer.write(e)),
      deadLetter: async () => undefined,
    })
    const pending = post(source, [{ type: 'pageview' }])
    await new Promise((r) => setTimeout(r, 50))
    let stopped = false
    const stopping = source.stop().then(() => {
      stopped = true
    })
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(stopped, false, 'stop waits for the in-flight request')
    release()
    assert.equal((await pending).status, 200)
    await stopping
    assert.equal(writer.events.length, 1)
  })
})

test('two endpoints on one path is a config error naming both', async () => {
  await assert.rejects(make({ collect_path: '/v1/batch' }), (err: Error) => {
    assert.ok(err instanceof ConfigError)
    assert.match(err.message, /\/v1\/batch is claimed by both the collect and the segment endpoints/)
    return true
  })
})
