// Rebuilds transforms' memory after a restart (see Transform.warmup): reads back, per partition, the
// records just before where the pipeline starts and hands their events to `remember`. Without it the
// dedupe memory starts empty, and a repeat whose first copy was stored before the restart (a retry,
// lines file_tail re-read after a crash) would be stored twice.
import { decodeEnvelope } from '../log/envelope.ts'
import type { EventLog, PartitionOffsets } from '../log/log.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { TransformNode } from './graph-eval.ts'

const READ_CHUNK = 5000

/** Feeds every transform with a warmup the events of the records before `position`. */
export async function warmUpTransforms(
  log: EventLog,
  topic: string,
  position: PartitionOffsets,
  transforms: readonly TransformNode[],
  logger: Logger,
): Promise<void> {
  const wanting = transforms.filter((t) => t.transform.warmup && t.transform.warmup.records > 0)
  if (wanting.length === 0) return
  const depth = Math.max(...wanting.map((t) => t.transform.warmup!.records))
  const start = await log.startOffsets(topic)
  const began = Date.now()
  let records = 0
  for (const [p, end] of Object.entries(position)) {
    const partition = Number(p)
    let offset = Math.max(start[partition] ?? 0, end - depth)
    while (offset < end) {
      const batch = await log.read(topic, partition, offset, Math.min(READ_CHUNK, end - offset))
      if (batch.length === 0) break
      for (const r of batch) {
        if (r.offset >= end) break
        offset = r.offset + 1
        records++
        const envelope = decodeEnvelope(r.value)
        if (!('event' in envelope)) continue
        for (const t of wanting)
          if (end - r.offset <= t.transform.warmup!.records) t.transform.warmup!.remember(envelope.event)
      }
    }
  }
  if (records > 0) logger.info({ records, ms: Date.now() - began }, 'transforms remembered recent records')
}
