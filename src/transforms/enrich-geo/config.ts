// Settings of the enrich_geo transform.
import { z } from 'zod'

/** Schema of an `enrich_geo` transform. */
export const enrichGeoConfig = z.strictObject({
  country_db: z
    .string()
    .min(1)
    .optional()
    .describe(
      'MMDB file for countries; default: the IPtoASN country database shipped with clickflow (PDDL).',
    ),
  city_db: z
    .string()
    .min(1)
    .optional()
    .describe('MMDB file with cities and regions (e.g. GeoLite2-City.mmdb); wins over country_db when set.'),
})

/** Parsed `enrich_geo` settings. */
export type EnrichGeoConfig = z.infer<typeof enrichGeoConfig>
