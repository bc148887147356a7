// Shared helpers of the segment log's tests: temp directories, a logger whose lines can be read
// back, and a log opened with small, deterministic settings.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { createLogger, type Logger } from '../../telemetry/logger.ts'
import type { Metrics } from '../../telemetry/metrics.ts'
import type { AppendRecord } from '../log.ts'
import type { LogFs } from './fs-facade.ts'
import { SegmentLog, type SegmentLogOptions } from './segment-log.ts'

const dirs: string[] = []

/** A fresh temporary directory, removed by {@link removeTempDirs}. */
export async function tempDir(prefix = 'clickflow-log-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(d)
  return d
}

/** Removes every directory {@link tempDir} made. */
export async function removeTempDirs(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
}

/** A logger that keeps its JSON lines for assertions. */
export function captureLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = []
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      cb()
    },
  })
  return {
    logger: createLogger({ level: 'debug', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

/** Small, timer-free defaults for tests; override what a test is about. */
export const TEST_OPTIONS = {
  partitions: 2,
  segmentBytes: 1 << 20,
  segmentMs: 3_600_000,
  retentionMs: null,
  retentionBytes: null,
  compression: 'none',
  flushIntervalMs: 0,
  maxBatchBytes: 1 << 20,
  indexIntervalBytes: 256,
  retentionCheckMs: 0,
  lagUpdateMs: 0,
} as const satisfies Omit<SegmentLogOptions, 'dir'>

/** Opens a log in `dir` with the test defaults and `overrides`. */
export function openTestLog(
  dir: string,
  overrides: Partial<SegmentLogOptions> = {},
  logger: Logger = createLogger({ level: 'silent' }),
  metrics?: Metrics,
): Promise<SegmentLog> {
  return SegmentLog.open({ dir, ...TEST_OPTIONS, ...overrides }, logger, metrics)
}

/** A record with a recognisable value. */
export function rec(
  i: number,
  key: string | null = `k${i % 7}`,
  timestamp = 1_700_000_000_000 + i,
): AppendRecord {
  return { key, value: Buffer.from(`value-${i}`), timestamp }
}

/** Every record of a partition, read in pages. */
export async function readAll(log: SegmentLog, topic: string, partition: number, from?: number) {
  let offset = from ?? (await log.startOffsets(topic))[partition]!
  const out = []
  for (;;) {
    const page = await log.read(topic, partition, offset, 97)
    if (page.length === 0) return out
    out.push(...page)
    offset = page[page.length - 1]!.offset + 1
  }
}

/** Every record of a partition as [offset, value as text], for comparing what a log holds. */
export async function readValues(
  log: SegmentLog,
  topic: string,
  partition: number,
): Promise<[number, string][]> {
  return (await readAll(log, topic, partition)).map((r) => [r.offset, r.value.toString()])
}

/**
 * `fs` with segments opened plain read-write instead of 'durable' (O_DSYNC): each write is then made
 * durable by an fdatasync, the path taken on platforms without O_DSYNC.
 */
export function withoutDurableWrites(fs: LogFs): LogFs {
  return { ...fs, open: (path, mode) => fs.open(path, mode === 'durable' ? 'readwrite' : mode) }
}
