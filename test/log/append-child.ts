// Child process of the crash-safety test: appends to a segment log as fast as it can from several
// concurrent appenders and prints one line per acknowledged append ("ack <id> <id> ..."), until it
// is killed. Usage: append-child.ts LOG_DIR RUN_ID

import { SegmentLog } from '../../src/log/segment-log/segment-log.ts'
import { createLogger } from '../../src/telemetry/logger.ts'

const [dir, run] = process.argv.slice(2)
if (!dir || !run) throw new Error('usage: append-child.ts LOG_DIR RUN_ID')

const log = await SegmentLog.open(
  {
    dir,
    partitions: 3,
    segmentBytes: 64 * 1024,
    segmentMs: 3_600_000,
    retentionMs: null,
    retentionBytes: null,
    compression: 'none',
    flushIntervalMs: 0,
    maxBatchBytes: 256 * 1024,
    retentionCheckMs: 0,
    lagUpdateMs: 0,
  },
  createLogger({ level: 'silent' }),
)
process.stdout.write('ready\n')
const padding = 'p'.repeat(500)

/** One appender: sequential appends of 1-5 records; its ids grow, so order can be checked per partition. */
async function appender(w: number): Promise<void> {
  for (let seq = 0; ; seq++) {
    const n = 1 + (seq % 5)
    const ids = Array.from({ length: n }, (_, i) => `${run}:${w}:${seq}:${i}`)
    await log.append(
      't',
      ids.map((id, i) => ({
        key: `key-${(w * 7 + seq + i) % 11}`,
        value: Buffer.from(`${id}|${padding}`),
        timestamp: Date.now(),
      })),
    )
    process.stdout.write(`ack ${ids.join(' ')}\n`)
  }
}

await Promise.all(Array.from({ length: 8 }, (_, w) => appender(w)))
