// A snapshot as JSON for people and other engines: version, time, partition columns and the files
// (absolute paths with partition values), which is what `read_parquet` needs to read that version.
import type { Snapshot } from './delta-log.ts'
import type { Lake } from './lake.ts'

/** JSON summary of a snapshot. */
export function snapshotSummary(lake: Lake, s: Snapshot) {
  return {
    table: lake.root,
    version: s.version,
    timestamp: new Date(s.timestamp).toISOString(),
    partition_columns: s.metadata.partitionColumns,
    checkpoint_version: s.checkpointVersion,
    files: [...s.files.entries()].map(([path, add]) => ({
      path: `${lake.root}/${path}`,
      partition_values: add.partitionValues,
      size: add.size,
      rows: add.stats ? ((JSON.parse(add.stats) as { numRecords?: number }).numRecords ?? null) : null,
    })),
  }
}
