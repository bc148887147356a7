// Settings of the duckdb sink.
import { z } from 'zod'

/** Schema of a `duckdb` sink. */
export const duckdbSinkConfig = z.strictObject({
  path: z
    .string()
    .min(1)
    .optional()
    .describe('Database file; default `<data_dir>/store/clickflow.duckdb`, the file the API queries.'),
  dead_letters: z.boolean().default(true).describe('Also keep dead letters, in the `dead_letters` table.'),
  store_duplicates: z
    .boolean()
    .default(false)
    .describe(
      'Store events flagged `is_duplicate` too; by default they are counted (discarded, reason duplicate) and not stored, so `events` keeps one row per event id.',
    ),
})

/** Parsed `duckdb` sink settings. */
export type DuckdbSinkConfig = z.infer<typeof duckdbSinkConfig>
