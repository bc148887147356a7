// The `lake:` section of the config file: scheduled export of closed days, compaction, vacuum.
import { z } from 'zod'

/** Lake settings. */
export const lakeSchema = z
  .strictObject({
    export_closed_days: z
      .boolean()
      .default(true)
      .describe(
        'Export each closed day of events to `<data_dir>/lake/events` (Parquet + Delta log) from the processing worker.',
      ),
    export_interval_ms: z
      .number()
      .int()
      .min(1000)
      .default(15 * 60 * 1000)
      .describe('How often the worker looks for closed days with events not yet in the lake (and compacts).'),
    close_delay_ms: z
      .number()
      .int()
      .min(0)
      .default(60 * 60 * 1000)
      .describe(
        'A UTC day counts as closed this long after it ended, so late events have arrived; later ones are added by the next export.',
      ),
    compact_min_files: z
      .number()
      .int()
      .min(2)
      .default(4)
      .describe(
        'Scheduled compaction merges a day once it has at least this many files smaller than `target_file_bytes`.',
      ),
    target_file_bytes: z
      .number()
      .int()
      .min(1024)
      .default(128 * 1024 * 1024)
      .describe('Files smaller than this are merged by compaction.'),
    vacuum_retention_ms: z
      .number()
      .int()
      .min(0)
      .default(7 * 24 * 3600 * 1000)
      .describe(
        'Vacuum deletes files no version needs that were removed (or left unreferenced) longer ago than this; time travel reaches back this far.',
      ),
    checkpoint_interval: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('A Parquet checkpoint of the log is written every this many versions (Delta default 10).'),
  })
  .describe('The lake: Parquet files partitioned by day with a Delta Lake transaction log.')

/** Lake settings. */
export type LakeConfig = z.infer<typeof lakeSchema>
