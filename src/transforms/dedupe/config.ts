// Settings of the dedupe transform.
import { z } from 'zod'

/** Schema of a `dedupe` transform. */
export const dedupeConfig = z.strictObject({
  memory: z
    .number()
    .int()
    .min(1000)
    .default(1_000_000)
    .describe(
      'Recent event ids remembered (as 53-bit hashes in typed arrays, 24-40 bytes each); an id seen among them flags the event as a duplicate.',
    ),
  warmup_records: z
    .number()
    .int()
    .min(0)
    .default(100_000)
    .describe(
      "On start, ids of this many log records per partition before the pipeline's start position are remembered, so a repeat straddling a restart (a client retry, lines file_tail re-reads after a crash) is still flagged.",
    ),
})

/** Parsed `dedupe` settings. */
export type DedupeConfig = z.infer<typeof dedupeConfig>
