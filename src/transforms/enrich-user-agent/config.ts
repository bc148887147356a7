// Settings of the enrich_user_agent transform.
import { z } from 'zod'

/** Schema of an `enrich_user_agent` transform. */
export const enrichUserAgentConfig = z.strictObject({
  cache_size: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('Parsed user agents kept in memory; user agents repeat, and parsing is the costly part.'),
})

/** Parsed `enrich_user_agent` settings. */
export type EnrichUserAgentConfig = z.infer<typeof enrichUserAgentConfig>
