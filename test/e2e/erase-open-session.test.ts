// Erasing a visitor whose session the processor holds open and changed since its last checkpoint:
// the next checkpoint must not write the row back, and the processor's saved state must not keep
// the session (it would come back with a restart), for an erasure through a running clickflow
// (POST /api/erase) and through `clickflow erase` while it is stopped.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import {
  type Clickflow,
  killAll,
  pollUntil,
  post,
  runCli,
  sqlNumber,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'
import { processorConfig } from '../helpers/processor-config.ts'

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

async function visit(cf: Clickflow, visitor: string, n: number): Promise<void> {
  const events = Array.from({ length: n }, (_, i) => ({
    type: 'pageview',
    url: `https://shop.example.com/${visitor}/${i}`,
    visitor_id: visitor,
  }))
  const res = await fetch(cf.collectUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': UA },
    body: JSON.stringify({ events }),
  })
  assert.equal(res.status, 200, await res.text())
}

const sessionsOf = (cf: Clickflow, visitor: string) =>
  sqlNumber(cf.adminUrl, `SELECT count(*) FROM sessions WHERE visitor_id = '${visitor}'`)

/**
 * Saved state documents (the processor's open sessions) that hold `visitor` (as a JSON string
 * followed by a comma: a session tuple's field, not the documents' `"gone":` key); clickflow stopped.
 */
async function stateMentions(dataDir: string, visitor: string): Promise<number> {
  const db = await DuckDBInstance.create(join(dataDir, 'store', 'clickflow.duckdb'))
  const c = await db.connect()
  try {
    const r = await c.runAndReadAll(
      `SELECT (SELECT count(*) FROM clickflow_processor_state WHERE contains(state, '"${visitor}",'))
            + (SELECT count(*) FROM clickflow_processor_sessions WHERE contains(state, '"${visitor}",'))`,
    )
    return Number(r.getRows()[0]![0])
  } finally {
    c.closeSync()
    db.closeSync()
  }
}

/** Waits past a checkpoint interval (3 s here): what the processor holds changed is written by then. */
const afterCheckpoint = () => new Promise((r) => setTimeout(r, 4_000))

describe('erasure of a visitor with an open session', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('through the running process and through the CLI while stopped: no row or state comes back', async () => {
    dir = await tempDir()
    const config = processorConfig(dir.path, { checkpoint_interval_ms: 3_000 })
    let cf = await start(dir.path, ['-c', config])
    await visit(cf, 'keep', 2)
    assert.ok(await pollUntil(async () => (await sessionsOf(cf, 'keep')) === 1, 20_000), 'keep has a session')
    // gone's events reach the processor and the store; its session changed since the last checkpoint
    // when the erasure comes.
    await visit(cf, 'gone', 3)
    assert.ok(
      await pollUntil(
        async () =>
          (await sqlNumber(cf.adminUrl, "SELECT count(*) FROM events WHERE visitor_id = 'gone'")) === 3,
        20_000,
      ),
    )
    const res = await post<{ rows_events: number }>(new URL('/api/erase', cf.adminUrl).toString(), {
      visitor_id: 'gone',
      requested_by: 'e2e',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.rows_events, 3)
    assert.equal(await sessionsOf(cf, 'gone'), 0)
    // The processor's next checkpoint must not write the session back.
    await afterCheckpoint()
    assert.equal(await sessionsOf(cf, 'gone'), 0, 'the erased visitor has no session row again')

    // Stopped with an open session of gone2 saved in the processor's state, erased by the CLI.
    await visit(cf, 'gone2', 2)
    assert.ok(await pollUntil(async () => (await sessionsOf(cf, 'gone2')) === 1, 20_000))
    assert.equal((await cf.stop('SIGTERM')).code, 0, cf.stderr())
    assert.ok((await stateMentions(dir.path, 'gone2')) > 0, 'the open session is in the saved state')
    const erased = await runCli([
      'erase',
      '--visitor',
      'gone2',
      '--requested-by',
      'e2e',
      '--data-dir',
      dir.path,
    ])
    assert.equal(erased.code, 0, erased.stderr)
    assert.equal(await stateMentions(dir.path, 'gone2'), 0, 'the saved state no longer holds gone2')
    assert.equal(await stateMentions(dir.path, 'gone'), 0)
    cf = await start(dir.path, ['-c', config])
    // A new event of keep makes a checkpoint write what the restored state holds.
    await visit(cf, 'keep', 1)
    await afterCheckpoint()
    assert.equal(await sessionsOf(cf, 'gone2'), 0)
    assert.equal(await sessionsOf(cf, 'gone'), 0)
    assert.equal(await sqlNumber(cf.adminUrl, "SELECT count(*) FROM events WHERE visitor_id LIKE 'gone%'"), 0)
    assert.equal((await cf.stop('SIGTERM')).code, 0, cf.stderr())
  })
})
