// `clickflow log tail TOPIC`: prints records as JSON lines (value parsed when it is JSON, events
// decoded from their binary format without their empty fields) and keeps
// following new ones until Ctrl+C. Read-only: it follows the files a running clickflow writes.
import { ClickflowError } from '../core/errors.ts'
import type { ClickEvent } from '../core/event.ts'
import { decodeEnvelope } from '../log/envelope.ts'
import { FORMAT_V1 } from '../log/event-codec.ts'
import type { LogRecord } from '../log/log.ts'
import { nodeFs } from '../log/segment-log/fs-facade.ts'
import { PartitionTail } from '../log/segment-log/log-view.ts'
import { EXIT } from './exit.ts'
import { logDirOf, requireTopic } from './log-format.ts'

/** Options of `clickflow log tail`. */
export interface TailOptions {
  readonly dataDir?: string
  readonly fromBeginning?: boolean
  readonly partition?: string
  /** How often to look for new records. */
  readonly pollMs?: number
}

/** An event record without its empty fields, as the JSON a person reads. */
function readableEvent(value: Buffer): unknown {
  const { event } = decodeEnvelope(value) as { event: ClickEvent }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(event)) if (v !== null && v !== false) out[k] = v
  return { event: out }
}

function line(topic: string, r: LogRecord): string {
  let value: unknown
  if (r.value[0] === FORMAT_V1) {
    value = readableEvent(r.value)
  } else {
    const text = r.value.toString('utf8')
    value = text
    try {
      value = JSON.parse(text)
    } catch {
      // Not JSON: printed as a string.
    }
  }
  const timestamp = new Date(r.timestamp).toISOString()
  return `${JSON.stringify({ topic, partition: r.partition, offset: r.offset, timestamp, key: r.key, value })}\n`
}

/** Follows a topic until SIGINT/SIGTERM (exit 0) or an error. */
export async function runLogTail(topic: string, options: TailOptions): Promise<number> {
  const root = logDirOf(options.dataDir)
  const meta = await requireTopic(root, topic)
  let partitions = Array.from({ length: meta.partitions }, (_, p) => p)
  if (options.partition !== undefined) {
    const p = Number(options.partition)
    if (!/^\d+$/.test(options.partition) || p >= meta.partitions)
      throw new ClickflowError(
        'invalid_option',
        `--partition must be 0 to ${meta.partitions - 1}, not "${options.partition}"`,
      )
    partitions = [p]
  }
  const start = options.fromBeginning ? 'beginning' : 'end'
  const tails = partitions.map((p) => new PartitionTail(nodeFs, root, topic, p, start))
  let stopped = false
  const stop = () => {
    stopped = true
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  process.stdout.on('error', stop) // a closed pipe (| head) ends the tail quietly
  try {
    while (!stopped) {
      let printed = 0
      for (const tail of tails) {
        const { records, skipped } = await tail.poll()
        if (skipped > 0)
          process.stderr.write(
            `clickflow: ${skipped} records were deleted by retention before they could be shown\n`,
          )
        if (records.length > 0) process.stdout.write(records.map((r) => line(topic, r)).join(''))
        printed += records.length
      }
      if (printed === 0) await new Promise((r) => setTimeout(r, options.pollMs ?? 200))
    }
  } finally {
    for (const t of tails) await t.close()
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  return EXIT.ok
}
