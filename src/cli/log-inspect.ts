// `clickflow log inspect TOPIC PARTITION`: one partition's offsets, its segments (sizes, offset and
// time ranges, anything unverified at the end), and each consumer group's committed offset and lag.

import { ClickflowError } from '../core/errors.ts'
import { nodeFs } from '../log/segment-log/fs-facade.ts'
import { partitionDir } from '../log/segment-log/layout.ts'
import {
  readGroups,
  type SegmentSummary,
  segmentBases,
  summarizeSegment,
} from '../log/segment-log/log-view.ts'
import { EXIT } from './exit.ts'
import { formatBytes, formatTime, logDirOf, requireTopic, table } from './log-format.ts'

/** Prints the inspection of one partition; resolves with the exit code. */
export async function runLogInspect(
  topic: string,
  partitionArg: string,
  options: { dataDir?: string },
): Promise<number> {
  const root = logDirOf(options.dataDir)
  const meta = await requireTopic(root, topic)
  const partition = Number(partitionArg)
  if (!/^\d+$/.test(partitionArg) || partition >= meta.partitions) {
    throw new ClickflowError(
      'invalid_option',
      `PARTITION must be a number from 0 to ${meta.partitions - 1} (topic ${topic} has ${meta.partitions}), not "${partitionArg}"`,
    )
  }
  const dir = partitionDir(root, topic, partition)
  const segments: SegmentSummary[] = []
  for (const base of await segmentBases(nodeFs, root, topic, partition))
    segments.push(await summarizeSegment(nodeFs, dir, base))
  const start = segments[0]?.baseOffset ?? 0
  const end = segments[segments.length - 1]?.nextOffset ?? 0
  const bytes = segments.reduce((sum, s) => sum + s.bytes, 0)
  const out: string[] = [
    `topic ${topic}, partition ${partition} (${dir})`,
    table([
      ['  start offset', String(start)],
      ['  end offset', String(end)],
      ['  records', String(end - start)],
      ['  size', formatBytes(bytes)],
    ]),
    '',
    `segments (${segments.length}, the last is active):`,
    table([
      ['  BASE OFFSET', 'NEXT OFFSET', 'RECORDS', 'SIZE', 'FIRST TIMESTAMP', 'LAST TIMESTAMP', 'NOTE'],
      ...segments.map((s) => [
        `  ${s.baseOffset}`,
        String(s.nextOffset),
        String(s.nextOffset - s.baseOffset),
        formatBytes(s.bytes),
        formatTime(s.firstTimestamp),
        formatTime(s.maxTimestamp),
        s.unverifiedBytes > 0
          ? `${s.unverifiedBytes} bytes at the end not verified (being written, or damaged)`
          : '',
      ]),
    ]),
    '',
  ]
  const groups = await readGroups(nodeFs, root, topic)
  if (groups.size === 0) out.push('no consumer group committed offsets for this topic')
  else {
    out.push('consumer groups:')
    const rows = [['  GROUP', 'COMMITTED', 'LAG']]
    for (const [group, offsets] of groups) {
      const committed = offsets[partition]
      const lag = end - (committed ?? start)
      const note = committed !== undefined && committed < start ? ' (behind retention: will reset)' : ''
      rows.push([`  ${group}`, committed === undefined ? '-' : String(committed), `${lag}${note}`])
    }
    out.push(table(rows))
  }
  process.stdout.write(`${out.join('\n')}\n`)
  return EXIT.ok
}
