// Settings of the live sink.
import { z } from 'zod'
import { alertsConfig } from '../alerts/config.ts'

/** Schema of a `live` sink. */
export const liveSinkConfig = z.strictObject({
  conversion_event: z
    .string()
    .min(1)
    .nullable()
    .default('purchase')
    .describe(
      '`event_name` whose visitors count as converted in `conversion_rate`; `null`: no conversion rate.',
    ),
  include_bots: z.boolean().default(false).describe('Count events flagged `is_bot` too.'),
  warm_from_store: z
    .boolean()
    .default(true)
    .describe('On start, load the last hour from the store so a restart does not blank the live view.'),
  warm_max_events: z
    .number()
    .int()
    .min(0)
    .default(500_000)
    .describe('Most raw events the warm-up loads (the last minutes; older minutes load as totals).'),
  alerts: alertsConfig.default({
    evaluate_every: '10s',
    webhook_timeout: '5s',
    webhook_retries: 5,
    webhook_backoff: '1s',
    rules: [],
  }),
})

/** Parsed `live` sink settings. */
export type LiveSinkConfig = z.infer<typeof liveSinkConfig>
