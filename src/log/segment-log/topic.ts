// One open topic of the segment log: its partitions (recovered on open), its consumer groups, a
// 'data' event after each commit that touched it, and its metric children bound once (label lookups
// on every append cost measurable CPU).
import { EventEmitter } from 'node:events'
import type { Logger } from '../../telemetry/logger.ts'
import type { Metrics } from '../../telemetry/metrics.ts'
import type { PartitionOffsets } from '../log.ts'
import type { LogFs } from './fs-facade.ts'
import type { AppendMeter } from './group-commit.ts'
import { createTopic, groupsDir, partitionDir, readTopicMeta } from './layout.ts'
import { OffsetStore } from './offset-store.ts'
import { Partition, type PartitionOptions } from './partition.ts'

/** An open topic. */
export interface Topic {
  readonly name: string
  readonly partitions: readonly Partition[]
  readonly groups: OffsetStore
  /** Emits 'data' when appends to the topic became readable. */
  readonly events: EventEmitter
  /** Counts acknowledged appends in the topic's metrics. */
  readonly meter: AppendMeter
}

/** What opening a topic needs. */
export interface TopicSettings {
  readonly root: string
  /** Partitions if the topic has to be created. */
  readonly partitions: number
  readonly fs: LogFs
  readonly logger: Logger
  readonly metrics: Metrics | undefined
  readonly partition: PartitionOptions
}

/** Opens a topic (creating it with `s.partitions` partitions if missing) and recovers its partitions. */
export async function openTopic(name: string, s: TopicSettings): Promise<Topic> {
  const meta =
    (await readTopicMeta(s.fs, s.root, name)) ?? (await createTopic(s.fs, s.root, name, s.partitions))
  if (meta.partitions !== s.partitions)
    s.logger.info(
      { topic: name, partitions: meta.partitions, configured: s.partitions },
      'topic keeps the partition count it was created with',
    )
  const partitions = await Promise.all(
    Array.from({ length: meta.partitions }, (_, i) =>
      Partition.open(partitionDir(s.root, name, i), name, i, s.partition),
    ),
  )
  const events = new EventEmitter()
  events.setMaxListeners(0)
  const latency = s.metrics?.logAppendSeconds.labels({ topic: name })
  const records = s.metrics?.logAppendedRecords.labels({ topic: name })
  const bytes = s.metrics?.logAppendedBytes.labels({ topic: name })
  return {
    name,
    partitions,
    groups: new OffsetStore(s.fs, groupsDir(s.root, name)),
    events,
    meter: {
      observeLatency: (sec) => latency?.observe(sec),
      countAppended: (n, b) => {
        records?.inc(n)
        bytes?.inc(b)
      },
    },
  }
}

/** Records between a group's offsets and the end of each partition, summed. */
export function topicLag(t: Topic, offsets: PartitionOffsets): number {
  let total = 0
  for (const p of t.partitions) total += Math.max(0, p.endOffset - (offsets[p.id] ?? p.startOffset))
  return total
}
