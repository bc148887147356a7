// importFile's overlapping writes: batches are appended in file order while later chunks are parsed,
// the progress file records a batch only once it and every batch before it are durable, and a
// failed write stops the import with its error instead of recording anything past it.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { EventWriter } from '../core/component.ts'
import { decodeEnvelope } from '../log/envelope.ts'
import type { AppendRecord } from '../log/log.ts'
import { formatConfig } from '../parsers/format-config.ts'
import { openChunkParsing } from '../parsers/parse-pool.ts'
import { loadPositions } from '../sources/file-tail/positions.ts'
import { importFile } from './import.ts'
import { ImportTally } from './import-progress.ts'

const LOG = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'elastic_apache_logs_combined.log')
const dir = mkdtempSync(join(tmpdir(), 'import-writes-'))
after(() => rmSync(dir, { recursive: true, force: true }))
// 12 copies: ~49,500 page views, in batches of up to 20,000 events (the last chunks one by one).
const file = join(dir, 'access.log')
writeFileSync(file, Buffer.concat(Array(12).fill(readFileSync(LOG))))

/** The byte offset of each event record's line (event ids carry it), leaving dead letters out. */
function offsets(records: readonly AppendRecord[]): number[] {
  const out: number[] = []
  for (const r of records) {
    const env = decodeEnvelope(r.value)
    if ('event' in env) out.push(Number(env.event.event_id.split(':')[2]))
  }
  return out
}

/** A writer that takes `delays[i]` ms to make the i-th append durable, and refuses the `failAt`-th. */
function slowWriter(delays: number[], failAt = -1) {
  const appended: AppendRecord[][] = []
  let calls = 0
  const writer: EventWriter = {
    write: () => Promise.reject(new Error('records expected')),
    deadLetter: () => Promise.reject(new Error('records expected')),
    writeRecords: async (records) => {
      const i = calls++
      appended.push([...records])
      await new Promise((r) => setTimeout(r, delays[i] ?? 0))
      if (i === failAt) throw new Error('disk full')
    },
  }
  return { writer, appended }
}

async function run(writer: EventWriter, progressFile: string) {
  const parsing = await openChunkParsing({ threads: 0, visitorKeyFile: join(dir, 'key') })
  const tally = new ImportTally()
  const format = parsing.format(formatConfig.parse({ format: 'combined' }), 'test')
  const progress = {}
  try {
    await importFile(file, {
      parsing,
      format,
      writer,
      progress,
      progressFile,
      tally,
      sourceId: 'test',
      showProgress: false,
    })
  } finally {
    await parsing.close()
  }
  return tally
}

test('a slow first write does not reorder batches: appends and the progress file follow the file', async () => {
  // The first batch takes longest to become durable; the later ones are appended meanwhile.
  const { writer, appended } = slowWriter([300, 10, 10])
  const progressFile = join(dir, 'ordered.json')
  const tally = await run(writer, progressFile)
  assert.ok(appended.length >= 3, `${appended.length} appends`)
  const at = offsets(appended.flat())
  // In file order across all appends.
  for (let i = 1; i < at.length; i++) assert.ok(at[i]! > at[i - 1]!, `record ${i} out of order`)
  assert.equal(tally.imported, at.length)
  assert.ok(at.length > 40_000, `${at.length} events`)
  const saved = Object.values(await loadPositions(progressFile))
  assert.equal(saved.length, 1)
  assert.equal(saved[0]!.offset, readFileSync(file).length)
})

test('a refused write stops the import; the progress file records nothing from that batch on', async () => {
  const { writer, appended } = slowWriter([10, 200, 10], 1)
  const progressFile = join(dir, 'failed.json')
  await assert.rejects(run(writer, progressFile), /disk full/)
  // The third batch was appended while the second was still being made durable.
  assert.ok(appended.length >= 3, `${appended.length} appends`)
  const saved = Object.values(await loadPositions(progressFile))
  // Only the first batch may be recorded: its end lies at or before the second batch's first line.
  const secondStart = offsets(appended[1]!)[0]!
  assert.equal(saved.length, 1)
  assert.ok(
    saved[0]!.offset > 0 && saved[0]!.offset <= secondStart,
    `progress ${saved[0]!.offset} is past the refused batch`,
  )
})
