// Queries racing the sink's commits read exactly what was written. Regression test: with a plan
// prepared before a commit and run after it, DuckDB 1.5 sorted new strings with stale statistics
// and returned garbage ("{" for "user-42"); the store now plans and runs in one step.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { buildTestDuckdbSink } from '../../../test/helpers/build-context.ts'
import { openDatabase } from './database.ts'
import { DuckdbStore } from './duckdb-store.ts'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

test('queries racing commits see whole, correct rows', async () => {
  const root = await mkdtemp(join(tmpdir(), 'clickflow-race-'))
  dirs.push(root)
  let wrong = 0
  for (let round = 0; round < 25; round++) {
    const path = join(root, `r${round}.duckdb`)
    const store = new DuckdbStore(
      await openDatabase(path, { memoryLimit: '256MB', allowedDirectories: [] }),
      {
        timeoutMs: 5000,
        maxRows: 1000,
      },
    )
    const sink = await buildTestDuckdbSink(path, { dataDir: root })
    let offset = 0
    const write = (ids: string[], userId: string | null) => {
      offset += ids.length
      const events = ids.map((id) => {
        const e = sampleEvent(id)
        e.site = 's0'
        e.page_path = '/app/three'
        e.user_id = userId
        return e
      })
      return sink.write(
        { events, deadLetters: [] },
        { signal: new AbortController().signal, position: { topic: 'events', offsets: { 0: offset } } },
      )
    }
    const writing = (async () => {
      await write(['a:0', 'a:1'], null)
      await write(['c:6'], null)
      // The first non-null strings of a column: the case that broke.
      await write(['c:8', 'c:9', 'c:10'], 'user-42')
    })()
    for (let k = 0; k < 15; k++) {
      const r = await store.sql(
        "SELECT event_id, user_id, page_path FROM events WHERE site = 's0' ORDER BY event_time, received_at, event_id",
      )
      for (const row of r.rows)
        if ((row[1] !== null && row[1] !== 'user-42') || row[2] !== '/app/three') wrong++
    }
    await writing
    await sink.close()
    await store.close()
  }
  assert.equal(wrong, 0, `${wrong} rows came back corrupt`)
})
