// `clickflow log topics`: every topic of a data directory's log with its partitions, records, size,
// segments and consumer groups. Read-only: works while a clickflow runs on that directory.
import { join } from 'node:path'
import { nodeFs } from '../log/segment-log/fs-facade.ts'
import { listTopics, partitionDir, readTopicMeta } from '../log/segment-log/layout.ts'
import { readGroups, segmentBases, summarizeSegment } from '../log/segment-log/log-view.ts'
import { segmentName } from '../log/segment-log/segment.ts'
import { EXIT } from './exit.ts'
import { formatBytes, logDirOf, table } from './log-format.ts'

/** Prints the topics table; resolves with the exit code. */
export async function runLogTopics(options: { dataDir?: string }): Promise<number> {
  const root = logDirOf(options.dataDir)
  const topics = await listTopics(nodeFs, root)
  if (topics.length === 0) {
    process.stderr.write(`clickflow: no topics in ${root} (is --data-dir right?)\n`)
    return EXIT.failure
  }
  const rows = [['TOPIC', 'PARTITIONS', 'RECORDS', 'BYTES', 'SEGMENTS', 'GROUPS']]
  for (const topic of topics) {
    const meta = await readTopicMeta(nodeFs, root, topic)
    if (!meta) continue
    let records = 0
    let bytes = 0
    let segments = 0
    for (let p = 0; p < meta.partitions; p++) {
      const bases = await segmentBases(nodeFs, root, topic, p)
      const dir = partitionDir(root, topic, p)
      for (const base of bases.slice(0, -1)) {
        const f = await nodeFs.open(join(dir, `${segmentName(base)}.log`), 'read')
        bytes += await f.size().finally(() => f.close())
      }
      const last = bases[bases.length - 1]
      if (last === undefined) continue
      const s = await summarizeSegment(nodeFs, dir, last)
      bytes += s.bytes
      records += s.nextOffset - bases[0]!
      segments += bases.length
    }
    const groups = [...(await readGroups(nodeFs, root, topic)).keys()]
    rows.push([
      topic,
      String(meta.partitions),
      String(records),
      formatBytes(bytes),
      String(segments),
      groups.join(',') || '-',
    ])
  }
  process.stdout.write(`${table(rows)}\n`)
  return EXIT.ok
}
