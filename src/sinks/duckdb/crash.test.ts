// kill -9 of a process in the middle of the duckdb sink's write of a batch larger than a row group
// (the pipeline's batches while it works off a backlog). DuckDB writes such a batch's row groups into
// the database file before the commit; after the crash the file must open, and the batch must be
// there whole with its log position or not at all, never in part, and writing it again must work.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { buildTestDuckdbSink } from '../../../test/helpers/build-context.ts'
import { ManualClock } from '../../core/clock.ts'

/** More than a DuckDB row group (122,880 rows), so DuckDB writes the batch past the WAL. */
const ROWS = 126_976

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** The writer: one small batch committed first, then the large one; it says where it is on stdout. */
const WRITER = `
import { sampleEvent } from ${JSON.stringify(join(repo, 'test/conformance/sink-conformance.ts'))}
import { buildTestDuckdbSink } from ${JSON.stringify(join(repo, 'test/helpers/build-context.ts'))}
const [path, rows] = [process.argv[2], Number(process.argv[3])]
const sink = await buildTestDuckdbSink(path)
const signal = new AbortController().signal
await sink.write({ events: [sampleEvent('first')], deadLetters: [] }, { signal, position: { topic: 'events', offsets: { 0: 1 } } })
const events = Array.from({ length: rows }, (_, i) => sampleEvent('big-' + i))
process.stdout.write('writing\\n')
await sink.write({ events, deadLetters: [] }, { signal, position: { topic: 'events', offsets: { 0: 1 + rows } } })
process.stdout.write('stored\\n')
setInterval(() => undefined, 1000)
`

/** Starts the writer and kills it (SIGKILL) once the database file grew: a row group is written. */
async function writeAndKill(dir: string, path: string): Promise<'killed' | 'stored first'> {
  const script = join(dir, 'writer.mts')
  await writeFile(script, WRITER)
  const child = spawn(process.execPath, ['--import', 'tsx', script, path, String(ROWS)], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  try {
    while (!out.includes('writing')) {
      if (child.exitCode !== null) throw new Error(`writer exited with ${child.exitCode}: ${out}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    const size = async () => stat(path).then((s) => s.size)
    const before = await size()
    // The file grows when DuckDB writes the batch's first row group into it; the commit comes after.
    while ((await size()) <= before && !out.includes('stored')) {
      if (child.exitCode !== null) throw new Error(`writer exited with ${child.exitCode}: ${out}`)
      await new Promise((r) => setTimeout(r, 5))
    }
    return out.includes('stored') ? 'stored first' : 'killed'
  } finally {
    child.kill('SIGKILL')
    await exited
  }
}

async function count(path: string): Promise<[number, number]> {
  const instance = await DuckDBInstance.create(path)
  const c = await instance.connect()
  const [row] = (
    await c.runAndReadAll(
      "SELECT count(*)::INTEGER, count(DISTINCT event_id)::INTEGER FROM events WHERE event_id LIKE 'big-%'",
    )
  ).getRows()
  c.closeSync()
  instance.closeSync()
  return [Number(row![0]), Number(row![1])]
}

test('kill -9 during a batch larger than a row group: stored whole or not at all', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'clickflow-duckdb-crash-'))
  dirs.push(dir)
  const path = join(dir, 'db.duckdb')
  const outcome = await writeAndKill(dir, path)
  const sink = await buildTestDuckdbSink(path, { clock: new ManualClock(), dataDir: dir })
  const position = await sink.storedPosition?.('events')
  t.diagnostic(`writer ${outcome}; stored position after the restart: ${JSON.stringify(position?.offsets)}`)
  const whole = position?.offsets[0] === 1 + ROWS
  if (!whole) {
    assert.deepEqual(position, { topic: 'events', offsets: { 0: 1 } }, 'the first batch stays stored')
    await sink.close()
    assert.deepEqual(await count(path), [0, 0], 'no row of the batch without its position')
    // What the pipeline does next: the same batch again, from the stored position.
    const again = await buildTestDuckdbSink(path, { clock: new ManualClock(), dataDir: dir })
    const events = Array.from({ length: ROWS }, (_, i) => sampleEvent(`big-${i}`))
    await again.write(
      { events, deadLetters: [] },
      { signal: new AbortController().signal, position: { topic: 'events', offsets: { 0: 1 + ROWS } } },
    )
    await again.close()
  } else await sink.close()
  assert.deepEqual(await count(path), [ROWS, ROWS])
})
