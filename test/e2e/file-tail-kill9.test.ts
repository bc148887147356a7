// End to end: SIGKILL a clickflow while its file_tail source reads files that keep growing (and
// rotate), at random moments, several times; lines are also written while it is down. After a final
// restart every line written is in the store exactly once: positions are saved only after the log
// holds the events, and lines re-read after a kill carry the same ids, which dedupe flags. Lines are
// ~1 KB, so a round that takes its 300 lines (a backlog after a restart) is parsed on the parse
// workers, and one that takes a few new lines on the source's own thread: both paths are killed.
import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import {
  killAll,
  metricValue,
  pollUntil,
  scrapeMetrics,
  sql,
  sqlNumber,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'

const CYCLES = 3
const PAGE = 5000
/** Makes a full round of 300 lines ~270 KB: over the 256 KB that sends a read to the parse workers. */
const PADDING = 'p'.repeat(900)

function config(watched: string): string {
  return `sources:
  collector: { type: http_collector }
  logs:
    type: file_tail
    groups: [{ dir: ${JSON.stringify(watched)}, glob: 'app*.log' }]
    parser: { format: regex, pattern: '^(?<event_name>line-\\d+) \\w+$', constants: { event_type: track } }
    scan_interval_ms: 100
    max_lines_per_file: 300
transforms:
  valid: { type: validate, inputs: [collector, logs] }
  dedupe: { type: dedupe, inputs: [valid] }
sinks:
  store: { type: duckdb, inputs: [dedupe] }
`
}

/** Every stored event_name, paged below the SQL row limit. */
async function storedNames(adminUrl: string): Promise<string[]> {
  const names: string[] = []
  for (let offset = 0; ; offset += PAGE) {
    const rows = await sql(
      adminUrl,
      `SELECT event_name FROM events ORDER BY event_name LIMIT ${PAGE} OFFSET ${offset}`,
    )
    for (const r of rows) names.push(r[0] as string)
    if (rows.length < PAGE) return names
  }
}

describe('kill -9 while tailing', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let watched = ''
  let cfgFile = ''
  let written = 0
  let generation = 0
  /** Lines some run parsed on the parse workers. */
  let pooled = 0
  const workerLines = async (adminUrl: string) =>
    metricValue(await scrapeMetrics(adminUrl), 'clickflow_file_tail_worker_lines_total', {
      component_id: 'logs',
    })
  const write = (n: number) => {
    let text = ''
    for (let i = 0; i < n; i++) text += `line-${written++} ${PADDING}\n`
    appendFileSync(join(watched, 'app.log'), text)
  }

  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('setup', async () => {
    dir = await tempDir()
    watched = join(dir.path, 'logs')
    mkdirSync(watched)
    cfgFile = join(dir.path, 'clickflow.yaml')
    writeFileSync(cfgFile, config(watched))
    write(2000)
  })

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    test(`cycle ${cycle + 1}: SIGKILL at a random moment while lines arrive`, async (t) => {
      const cf = await start(dir.path, ['--config', cfgFile])
      // Lines keep arriving; midway the file is rotated by rename + create.
      let writing = true
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          write(200)
          if (i === 5) renameSync(join(watched, 'app.log'), join(watched, `app-${generation++}.rotated.log`))
          await new Promise((r) => setTimeout(r, 10))
        }
      })()
      try {
        const before = await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')
        const moving = await pollUntil(
          async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')) > before,
          30_000,
        )
        assert.ok(moving, `nothing stored; stderr:\n${cf.stderr()}`)
        const delayMs = Math.floor(Math.random() * 500)
        await new Promise((r) => setTimeout(r, delayMs))
        t.diagnostic(`killed ${delayMs} ms after events were stored`)
      } finally {
        pooled += await workerLines(cf.adminUrl).catch(() => 0)
        const exit = await cf.stop('SIGKILL')
        assert.equal(exit.signal, 'SIGKILL')
        writing = false
        await writer
      }
      write(500) // written while nothing runs
      t.diagnostic(`${written} lines written so far`)
    })
  }

  test('after the final restart every line is stored exactly once', async (t) => {
    const cf = await start(dir.path, ['--config', cfgFile])
    let count = 0
    const caughtUp = await pollUntil(async () => {
      count = await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')
      return count >= written
    }, 60_000)
    assert.ok(caughtUp, `${count} of ${written} lines stored`)
    await new Promise((r) => setTimeout(r, 500)) // a late duplicate would show up now
    const names = await storedNames(cf.adminUrl)
    assert.equal(names.length, written)
    const expected = new Set(Array.from({ length: written }, (_, i) => `line-${i}`))
    assert.equal(new Set(names).size, written, 'duplicates in the store')
    assert.deepEqual(
      names.filter((n) => !expected.has(n)),
      [],
    )
    const flagged = metricValue(
      await scrapeMetrics(cf.adminUrl),
      'clickflow_component_discarded_events_total',
      {
        reason: 'duplicate',
      },
    )
    t.diagnostic(`${written} lines; re-read lines flagged as duplicates after the last restart: ${flagged}`)
    pooled += await workerLines(cf.adminUrl)
    t.diagnostic(`lines parsed on the parse workers: ${pooled}`)
    assert.ok(pooled > 0, 'no round was parsed on the parse workers')
    assert.equal((await cf.stop('SIGTERM')).code, 0, cf.stderr())
  })
})
