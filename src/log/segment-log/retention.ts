// Retention: deletes a topic's oldest sealed segments when their newest record is older than
// retention_ms, or while the topic's partitions together hold more than retention_bytes. The active
// segment is never deleted (Kafka's rule too). A consumer group whose committed offset falls below
// the new start is warned about here, and gets OffsetOutOfRangeError on its next read.
import type { Logger } from '../../telemetry/logger.ts'
import type { PartitionOffsets } from '../log.ts'
import type { Partition } from './partition.ts'

/** Retention limits; null means no limit. */
export interface RetentionPolicy {
  readonly retentionMs: number | null
  readonly retentionBytes: number | null
}

/** One segment retention removed. */
export interface Deletion {
  readonly topic: string
  readonly partition: number
  readonly baseOffset: number
  readonly records: number
  readonly bytes: number
  readonly reason: 'age' | 'size'
}

/** Deletes what the policy no longer keeps from one topic's partitions; returns what it deleted. */
export async function applyRetention(
  partitions: readonly Partition[],
  policy: RetentionPolicy,
  now: number,
  groups: ReadonlyMap<string, PartitionOffsets>,
  logger: Logger,
): Promise<Deletion[]> {
  const deleted: Deletion[] = []
  const remove = async (p: Partition, reason: Deletion['reason']) => {
    const s = await p.deleteOldest()
    if (s) {
      const d = {
        topic: p.topic,
        partition: p.id,
        baseOffset: s.baseOffset,
        records: s.records,
        bytes: s.size,
        reason,
      }
      deleted.push(d)
      logger.info(d, 'retention deleted a segment')
    }
  }
  if (policy.retentionMs !== null) {
    const cutoff = now - policy.retentionMs
    for (const p of partitions) {
      // Oldest first, and only a prefix: a segment survives while an older one does.
      while (p.segments.length > 1 && p.segments[0]!.maxTimestamp < cutoff) await remove(p, 'age')
    }
  }
  if (policy.retentionBytes !== null) {
    let total = partitions.reduce((sum, p) => sum + p.bytes, 0)
    while (total > policy.retentionBytes) {
      // The oldest sealed segment of the topic, whatever its partition.
      let pick: Partition | null = null
      for (const p of partitions) {
        if (p.segments.length < 2) continue
        if (!pick || p.segments[0]!.maxTimestamp < pick.segments[0]!.maxTimestamp) pick = p
      }
      if (!pick) break
      total -= pick.segments[0]!.size
      await remove(pick, 'size')
    }
  }
  if (deleted.length > 0) warnBehind(partitions, groups, logger)
  return deleted
}

function warnBehind(
  partitions: readonly Partition[],
  groups: ReadonlyMap<string, PartitionOffsets>,
  logger: Logger,
): void {
  for (const [group, offsets] of groups) {
    for (const p of partitions) {
      const committed = offsets[p.id]
      if (committed === undefined || committed >= p.startOffset) continue
      logger.warn(
        {
          topic: p.topic,
          partition: p.id,
          group,
          committed,
          start_offset: p.startOffset,
          lost: p.startOffset - committed,
        },
        'retention deleted records a consumer group had not consumed yet; it will reset by its policy',
      )
    }
  }
}
