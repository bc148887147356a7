// Settings of the validate transform.
import { z } from 'zod'

/** Schema of a `validate` transform. */
export const validateConfig = z.strictObject({
  require_visitor_id: z.boolean().default(false).describe('Dead-letter events without a visitor id.'),
  require_site: z.boolean().default(false).describe('Dead-letter events without a site.'),
  max_future_ms: z
    .number()
    .int()
    .min(0)
    .default(24 * 3600 * 1000)
    .describe('Dead-letter events whose event_time lies further than this after received_at.'),
  max_props_bytes: z
    .number()
    .int()
    .min(0)
    .default(32 * 1024)
    .describe('Dead-letter events whose props JSON is larger.'),
  drop_bots: z.boolean().default(false).describe('Drop (count, do not store) events flagged as bots.'),
})

/** Parsed `validate` settings. */
export type ValidateConfig = z.infer<typeof validateConfig>
