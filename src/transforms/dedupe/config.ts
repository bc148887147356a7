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
      'Recent event ids remembered (about 40 bytes each); an id seen among them flags the event as a duplicate.',
    ),
})

/** Parsed `dedupe` settings. */
export type DedupeConfig = z.infer<typeof dedupeConfig>
