// Human-readable output shared by the `clickflow log` commands: aligned tables, sizes, times, and
// where the log of a data directory is.
import { join } from 'node:path'
import { ClickflowError } from '../core/errors.ts'
import { nodeFs } from '../log/segment-log/fs-facade.ts'
import { listTopics, readTopicMeta, type TopicMeta } from '../log/segment-log/layout.ts'

/** The data directory when `--data-dir` is not given (the same default as `clickflow start`). */
export const DEFAULT_DATA_DIR = './clickflow-data'

/** The log folder inside a data directory. */
export function logDirOf(dataDir: string | undefined): string {
  return join(dataDir ?? DEFAULT_DATA_DIR, 'log')
}

/** A topic's metadata, or an error that names the topics there are. */
export async function requireTopic(root: string, topic: string): Promise<TopicMeta> {
  const meta = await readTopicMeta(nodeFs, root, topic).catch(() => null)
  if (meta) return meta
  const topics = await listTopics(nodeFs, root)
  throw new ClickflowError(
    'unknown_topic',
    topics.length === 0
      ? `no log in ${root} (is --data-dir right?)`
      : `no topic "${topic}" in ${root}; topics: ${topics.join(', ')}`,
  )
}

/** Rows as text columns, left-aligned, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = []
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length)
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`
}

/** Epoch ms as ISO time, or "-" when unknown. */
export function formatTime(ms: number): string {
  return ms < 0 ? '-' : new Date(ms).toISOString()
}
