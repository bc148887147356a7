// Settings of the enrich_referrer transform.
import { z } from 'zod'

/** Schema of an `enrich_referrer` transform. */
export const enrichReferrerConfig = z.strictObject({
  internal_hosts: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Other hosts of the same site (e.g. `shop.example` for `www.example`): referrers from them count as internal.',
    ),
})

/** Parsed `enrich_referrer` settings. */
export type EnrichReferrerConfig = z.infer<typeof enrichReferrerConfig>
