// End to end: SIGKILL while several clients post. Every event whose POST got a 200 must be stored
// after the restarts, exactly once; requests cut off by the kill are simply not acknowledged.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type Clickflow,
  type JsonResponse,
  killAll,
  pollUntil,
  post,
  sql,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'

const CYCLES = 3
const CLIENTS = 4
const BATCH_SIZE = 20
/** Rows fetched per page, below the store's sql_max_rows default (10,000). */
const PAGE = 5000

/** Posts batches until the first connection error; adds the event_ids of each 200 to `acked`. */
async function client(cf: Clickflow, prefix: string, acked: Set<string>, outcomes: Map<string, number>) {
  for (let seq = 0; ; seq++) {
    const events = Array.from({ length: BATCH_SIZE }, (_, i) => ({
      event_id: `${prefix}-${seq}-${i}`,
      type: i % 2 === 0 ? 'pageview' : 'track',
      name: 'kill9',
      url: `https://kill9.example.com/${seq}`,
      visitor_id: prefix,
    }))
    let res: JsonResponse<{ accepted: number }>
    try {
      res = await post<{ accepted: number }>(cf.collectUrl, { events })
    } catch {
      // Connection refused or reset by the kill: this batch is not acknowledged.
      outcomes.set('connection_error', (outcomes.get('connection_error') ?? 0) + 1)
      return
    }
    const status = res.status
    if (status === 200) {
      assert.equal(res.body.accepted, BATCH_SIZE)
      for (const e of events) acked.add(e.event_id)
    }
    outcomes.set(String(status), (outcomes.get(String(status)) ?? 0) + 1)
  }
}

/** Every event_id in the store, paged so no answer is truncated. */
async function storedIds(adminUrl: string): Promise<string[]> {
  const ids: string[] = []
  for (let offset = 0; ; offset += PAGE) {
    const rows = await sql(
      adminUrl,
      `SELECT event_id FROM events ORDER BY event_id LIMIT ${PAGE} OFFSET ${offset}`,
    )
    for (const r of rows) ids.push(r[0] as string)
    if (rows.length < PAGE) return ids
  }
}

describe('kill -9 while posting', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const acked = new Set<string>()

  before(async () => {
    dir = await tempDir()
  })
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    test(`cycle ${cycle + 1}: SIGKILL at a random moment under load`, async (t) => {
      const cf = await start(dir.path)
      const outcomes = new Map<string, number>()
      const before = acked.size
      const clients = Array.from({ length: CLIENTS }, (_, w) =>
        client(cf, `k9-c${cycle}-w${w}`, acked, outcomes),
      )
      // Let some batches be acknowledged first, so every cycle kills a process with work in flight.
      const loaded = await pollUntil(async () => acked.size > before, 30_000)
      assert.ok(loaded, `no batch was acknowledged; stderr:\n${cf.stderr()}`)
      const delayMs = Math.floor(Math.random() * 750)
      await new Promise((r) => setTimeout(r, delayMs))
      const exit = await cf.stop('SIGKILL')
      assert.equal(exit.signal, 'SIGKILL')
      await Promise.all(clients)
      t.diagnostic(
        `killed ${delayMs} ms after load began; acked ${acked.size - before}; ${JSON.stringify(Object.fromEntries(outcomes))}`,
      )
      // After the kill each client stops at its first connection error; nothing else may go wrong.
      assert.deepEqual(
        [...outcomes.keys()].filter((k) => k !== '200' && k !== 'connection_error'),
        [],
        `unexpected answers: ${JSON.stringify(Object.fromEntries(outcomes))}`,
      )
    })
  }

  test('after the final restart every acknowledged event is stored, exactly once', async () => {
    assert.ok(acked.size > 0)
    const cf = await start(dir.path)
    let missing: string[] = []
    const caughtUp = await pollUntil(async () => {
      const stored = new Set(await storedIds(cf.adminUrl))
      missing = [...acked].filter((id) => !stored.has(id))
      return missing.length === 0
    }, 30_000)
    assert.ok(caughtUp, `${missing.length} acknowledged events are missing, e.g. ${missing.slice(0, 5)}`)
    // A graceful stop drains whatever else the log holds; after it, nothing is left to replay.
    assert.equal((await cf.stop('SIGTERM')).code, 0, cf.stderr())
    const again = await start(dir.path)
    const dupes = await sql(
      again.adminUrl,
      'SELECT event_id, count(*) FROM events GROUP BY event_id HAVING count(*) > 1 LIMIT 10',
    )
    assert.deepEqual(dupes, [])
    const stored = new Set(await storedIds(again.adminUrl))
    assert.deepEqual(
      [...acked].filter((id) => !stored.has(id)),
      [],
    )
    assert.equal((await again.stop('SIGTERM')).code, 0, again.stderr())
  })
})
