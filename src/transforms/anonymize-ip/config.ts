// Settings of the anonymize_ip transform.
import { z } from 'zod'

/** Schema of an `anonymize_ip` transform. */
export const anonymizeIpConfig = z.strictObject({
  mode: z
    .enum(['truncate', 'drop', 'keep'])
    .default('truncate')
    .describe(
      '`truncate` zeroes the last IPv4 octet and the last 80 bits of IPv6; `drop` stores no address; `keep` stores it whole.',
    ),
})

/** Parsed `anonymize_ip` settings. */
export type AnonymizeIpConfig = z.infer<typeof anonymizeIpConfig>
