// Writing generated traffic out: as a JSON lines file for `clickflow import`, or straight into a
// data directory through the import path (the jsonl parser with its default mapping, then the
// import writer: the data dir's log, or a running clickflow's admin listener).

import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { EventWriter } from '../core/component.ts'
import type { ClickEvent } from '../core/event.ts'
import { formatConfig } from '../parsers/format-config.ts'
import { jsonlFormat } from '../parsers/jsonl.ts'
import type { ParseContext } from '../parsers/line-parser.ts'
import type { GenEvent } from './session.ts'
import { importLine } from './shapes.ts'

const CHUNK_CHARS = 1 << 20
const BATCH_EVENTS = 5000

/** Writes the events as JSON lines to `file`; calls `progress(n)` now and then. Resolves with the count. */
export async function writeJsonl(
  events: Iterable<GenEvent>,
  file: string,
  progress: (n: number) => void,
): Promise<number> {
  const out = createWriteStream(file)
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  let n = 0
  let chunk = ''
  const drain = async () => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed])
    chunk = ''
  }
  for (const e of events) {
    chunk += `${importLine(e)}\n`
    n++
    if (chunk.length >= CHUNK_CHARS) {
      await drain()
      progress(n)
    }
  }
  if (chunk) await drain()
  out.end()
  await Promise.race([once(out, 'finish'), failed])
  progress(n)
  return n
}

/**
 * Loads the events through the jsonl import parser into `writer`. Event ids are derived from
 * `identity` and the event's index, as `clickflow import` derives them from the file and the line,
 * so loading the same generation twice repeats the same ids (dedupe flags the repeats).
 */
export async function loadInto(
  events: Iterable<GenEvent>,
  writer: EventWriter,
  ctx: ParseContext,
  identity: string,
  progress: (n: number) => void,
): Promise<number> {
  const parser = jsonlFormat(
    formatConfig.parse({ format: 'jsonl' }) as Parameters<typeof jsonlFormat>[0],
    ctx,
  ).forFile()
  let batch: ClickEvent[] = []
  let n = 0
  // One batch in flight while the next is parsed: the log's fsync overlaps the parsing.
  let inFlight: Promise<void> = Promise.resolve()
  for (const e of events) {
    const line = importLine(e)
    const out = parser.parse(line, { file: identity, identity, offset: n, lineNumber: n + 1 })
    if (out.kind !== 'events')
      throw new Error(`generated line ${n + 1} did not parse (${out.kind}): ${line.slice(0, 200)}`)
    batch.push(...out.events)
    n++
    if (batch.length >= BATCH_EVENTS) {
      await inFlight
      inFlight = writer.write(batch)
      batch = []
      progress(n)
    }
  }
  await inFlight
  if (batch.length > 0) await writer.write(batch)
  progress(n)
  return n
}
