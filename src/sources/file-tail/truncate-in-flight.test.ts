// file_tail when a file shrinks (copy-truncate) while a round of its old lines is still being
// written: those lines are committed before the file's positions go back to 0. Were the reset done
// first, the late commit of the old round would move the committed offset back past the old lines
// (and add their count to the line number) on top of the new content: a failed write of the new
// lines then rewinds to that stale offset and skips the new file's first lines, and the position
// file's line numbers stay off by the old round's lines (dead letters after a restart misnumbered).
import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { MemoryWriter } from '../../../test/conformance/source-conformance.ts'
import { testContext } from '../../../test/helpers/build-context.ts'
import { pollUntil } from '../../../test/helpers/clickflow-process.ts'
import type { EventWriter, Source } from '../../core/component.ts'
import { fileTailSource } from './index.ts'

const dirs: string[] = []
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'file-tail-truncate-'))
  dirs.push(d)
  return d
}

/** A source reading lines `name` as track events named after the line, 100 lines a round at most. */
async function build(dir: string, dataDir: string): Promise<Source> {
  const cfg = fileTailSource.config.parse({
    groups: [{ dir, glob: 'app.log' }],
    parser: { format: 'regex', pattern: '^(?<event_name>[\\w.-]+)$', constants: { event_type: 'track' } },
    scan_interval_ms: 50,
    max_lines_per_file: 100,
  })
  return fileTailSource.build(cfg, testContext({ id: 'tail', type: 'file_tail', kind: 'source', dataDir }))
}

const lines = (prefix: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${from + i}\n`).join('')

/**
 * Old lines (a backlog, so each round's write is in flight while the next round reads) are
 * truncated away and replaced by `NEW` new lines from inside the first write: the truncation is
 * then noticed while a round of old lines is uncommitted, whatever the timing. With `failFirstNew`
 * the first write holding new lines is refused once (nothing stored), as a full disk would.
 */
async function truncateDuringWrite(dir: string, data: string, failFirstNew: boolean): Promise<MemoryWriter> {
  const file = join(dir, 'app.log')
  writeFileSync(file, lines('old', 0, 1_000))
  const src = await build(dir, data)
  const out = new MemoryWriter()
  let writes = 0
  let refused = false
  const writer: EventWriter = {
    write: async (events) => {
      if (++writes === 1) {
        truncateSync(file, 0)
        appendFileSync(file, lines('new', 0, NEW))
      }
      if (failFirstNew && !refused && events.some((e) => e.event_name!.startsWith('new-'))) {
        refused = true
        throw new Error('refused')
      }
      await out.write(events)
    },
    deadLetter: (items) => out.deadLetter(items),
  }
  await src.start(writer)
  const all = await pollUntil(
    async () => out.events.filter((e) => e.event_name!.startsWith('new-')).length >= NEW,
    10_000,
  )
  await new Promise((r) => setTimeout(r, 200)) // a duplicate would show up now
  await src.stop()
  assert.ok(!failFirstNew || refused, 'a write of new lines was refused')
  const fresh = out.events.map((e) => e.event_name!).filter((x) => x.startsWith('new-'))
  assert.ok(all, `${fresh.length} of ${NEW} new lines arrived: ${fresh.slice(0, 3).join(', ')} ...`)
  return out
}

/** New lines written over the truncated file: more bytes than a round of old lines. */
const NEW = 300

/** The old lines arrived as a prefix of the file, each once; then every new line, each once. */
function assertOrder(out: MemoryWriter): void {
  const names = out.events.map((e) => e.event_name!)
  const old = names.filter((x) => x.startsWith('old-'))
  assert.ok(old.length >= 100 && old.length < 1_000, `${old.length} old lines`)
  assert.deepEqual(
    old,
    Array.from({ length: old.length }, (_, i) => `old-${i}`),
  )
  assert.deepEqual(
    names.slice(old.length),
    Array.from({ length: NEW }, (_, i) => `new-${i}`),
  )
}

test('copy-truncate while old lines are being written, then a refused write: no new line is skipped', async () => {
  const out = await truncateDuringWrite(tempDir(), tempDir(), true)
  assertOrder(out)
})

test('copy-truncate while old lines are being written: after a restart, dead letters of the new content keep their line numbers', async () => {
  const dir = tempDir()
  const data = tempDir()
  assertOrder(await truncateDuringWrite(dir, data, false))
  appendFileSync(join(dir, 'app.log'), 'not a name!\n')
  const again = await build(dir, data)
  const out = new MemoryWriter()
  await again.start(out)
  assert.ok(await pollUntil(async () => out.deadLetters.length === 1, 10_000), 'no dead letter')
  await again.stop()
  assert.equal(out.events.length, 0, 'nothing read twice')
  assert.equal(JSON.parse(out.deadLetters[0]!.payload).line_number, NEW + 1)
})
