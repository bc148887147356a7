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
})

/** Parsed `duckdb` sink settings. */
export type DuckdbSinkConfig = z.infer<typeof duckdbSinkConfig>
