// Builds the log a config asks for. Today that is the embedded segment log; a Kafka-backed EventLog
// plugs in here when the `log.type` grows a `kafka` value.
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { LogConfig } from '../config/schema.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { SegmentLog } from './segment-log/segment-log.ts'

/** Partitions of a new topic when the config does not say: one per core, at least 2, at most 8. */
export function defaultPartitions(): number {
  return Math.min(8, Math.max(2, availableParallelism()))
}

/** The log directory a config points at. */
export function logDir(config: LogConfig, dataDir: string): string {
  return config.dir ?? join(dataDir, 'log')
}

/** Opens (and recovers) the log described by `config`. */
export function openLog(
  config: LogConfig,
  dataDir: string,
  logger: Logger,
  metrics?: Metrics,
): Promise<SegmentLog> {
  return SegmentLog.open(
    {
      dir: logDir(config, dataDir),
      partitions: config.partitions ?? defaultPartitions(),
      segmentBytes: config.segment_bytes,
      segmentMs: config.segment_ms,
      retentionMs: config.retention_ms,
      retentionBytes: config.retention_bytes,
      compression: config.compression,
      flushIntervalMs: config.flush_interval_ms,
      maxBatchBytes: config.max_batch_bytes,
    },
    logger,
    metrics,
  )
}
