// npm run bench:tail: lines/s parsed and durably logged from a Combined Log Format file (what
// file_tail and `clickflow import` do per line), against reading and splitting the same file into
// lines with no parsing, in the same run. Targets (issue 8): >= 200 K lines/s and >= 0.3x the raw read.
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { logSchema } from '../src/config/schema.ts'
import { deadLetterRecord, EVENTS_TOPIC, eventRecord } from '../src/log/envelope.ts'
import type { AppendRecord } from '../src/log/log.ts'
import { openLog } from '../src/log/open-log.ts'
import { buildFormat, visitorHasher } from '../src/parsers/build-format.ts'
import { formatConfig } from '../src/parsers/format-config.ts'
import { splitLines } from '../src/parsers/line-chunks.ts'
import { createLogger } from '../src/telemetry/logger.ts'
import { machine, revision, writeSection } from './lib/docs.ts'

const SOURCE = resolve('..', 'shared', 'data', 'elastic_apache_logs_combined.log')
const COPIES = Number(process.env.TAIL_BENCH_COPIES ?? 30)
const CHUNK = 4 << 20
const MAX_LINE = 64 * 1024
const ROUNDS = 3

/** Reads `file` in chunks and hands each chunk's complete lines to `each`. */
async function readLines(
  file: string,
  each: (lines: ReturnType<typeof splitLines>['lines']) => Promise<void> | void,
): Promise<number> {
  const fh = await open(file, 'r')
  const buf = Buffer.allocUnsafe(CHUNK)
  let position = 0
  let carry = Buffer.alloc(0)
  let count = 0
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, position)
      if (bytesRead === 0) break
      const data =
        carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead)
      const { lines, consumed } = splitLines(data, position - carry.length, MAX_LINE)
      count += lines.length
      await each(lines)
      carry = Buffer.from(data.subarray(consumed))
      position += bytesRead
    }
  } finally {
    await fh.close()
  }
  return count
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clickflow-bench-tail-'))
  const load = loadavg()[0]!.toFixed(1)
  try {
    const one = await readFile(SOURCE)
    const file = join(dir, 'access.log')
    await writeFile(file, Buffer.concat(Array.from({ length: COPIES }, () => one)))
    const rows: {
      raw: number
      parsed: number
      lines: number
      events: number
      skipped: number
      invalid: number
    }[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // Baseline: read and split only.
      let t = performance.now()
      const lines = await readLines(file, () => undefined)
      const raw = lines / ((performance.now() - t) / 1000)
      // clickflow: split, parse (combined, default rules), encode and append durably to a fresh log.
      const dataDir = join(dir, `data-${round}`)
      const log = await openLog(logSchema.parse({}), dataDir, createLogger({ level: 'silent' }))
      const visitorOf = await visitorHasher(join(dataDir, 'visitor-key'))
      const parser = buildFormat(formatConfig.parse({ format: 'combined' }), {
        sourceId: 'bench',
        visitorOf,
        now: () => Date.now(),
      }).forFile()
      let events = 0
      let skipped = 0
      let invalid = 0
      t = performance.now()
      let lineNumber = 0
      await readLines(file, async (chunk) => {
        const records: AppendRecord[] = []
        for (const l of chunk) {
          lineNumber++
          const out = parser.parse(l.text, { file, identity: 'bench', offset: l.offset, lineNumber })
          if (out.kind === 'events') {
            for (const e of out.events) records.push(eventRecord(e))
            events += out.events.length
          } else if (out.kind === 'skip') skipped++
          else {
            invalid++
            records.push(
              deadLetterRecord({
                component_id: 'bench',
                reason: out.reason,
                message: out.message,
                received_at: Date.now(),
                payload: l.text,
              }),
            )
          }
        }
        await log.append(EVENTS_TOPIC, records)
      })
      const parsed = lines / ((performance.now() - t) / 1000)
      await log.close()
      rows.push({ raw, parsed, lines, events, skipped, invalid })
      process.stderr.write(
        `[tail] round ${round + 1}: raw ${Math.round(raw)} lines/s, parsed+logged ${Math.round(parsed)} lines/s\n`,
      )
    }
    rows.sort((a, b) => a.parsed / a.raw - b.parsed / b.raw)
    const m = rows[Math.floor(rows.length / 2)]!
    const ratio = m.parsed / m.raw
    const verdict = (ok: boolean) => (ok ? 'pass' : 'BELOW TARGET')
    const body = [
      `Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, clickflow ${revision() ?? '?'}, ${machine()}, load average ${load} at start. Run with \`npm run bench:tail\`.`,
      '',
      `Input: ../shared/data/elastic_apache_logs_combined.log repeated ${COPIES} times (${m.lines.toLocaleString('en')} real Combined Log Format lines, read in 4 MB chunks). Median of ${ROUNDS} rounds by ratio; each round measures the baseline then clickflow on the same file.`,
      '',
      '| what | lines/s | ratio | target | |',
      '| --- | ---: | ---: | --- | --- |',
      `| baseline: read + split into lines, no parsing | ${Math.round(m.raw).toLocaleString('en')} | 1.00 | | |`,
      `| clickflow: read + split + parse (combined, default rules) + encode + durable append to the log | ${Math.round(m.parsed).toLocaleString('en')} | ${ratio.toFixed(2)} | >= 200,000 lines/s and >= 0.3x | ${verdict(m.parsed >= 200_000 && ratio >= 0.3)} |`,
      '',
      `Per round: ${m.events.toLocaleString('en')} page view events, ${m.skipped.toLocaleString('en')} lines skipped by the rules (static assets, non-2xx, HEAD), ${m.invalid.toLocaleString('en')} dead letters; all ratios: ${rows.map((r) => (r.parsed / r.raw).toFixed(2)).join(', ')}.`,
    ].join('\n')
    process.stdout.write(`${body}\n`)
    if (!process.argv.includes('--no-docs')) writeSection('tail', 'File tail', body)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
