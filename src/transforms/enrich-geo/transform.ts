// Fills country (and region and city with a city database) from the client IP. Lookups run on the
// event's raw IP, so this transform must come before anonymize_ip.
import { isIP } from 'node:net'
import type { Reader, Response } from 'maxmind'
import type { Transform } from '../../core/component.ts'
import type { ClickEvent } from '../../core/event.ts'
import { ok } from '../../core/step-result.ts'
import { locationOf } from './lookup.ts'

/** Builds the transform over an open MMDB reader. */
export function createEnrichGeo(reader: Reader<Response>): Transform {
  return {
    apply(e: ClickEvent) {
      if (!e.ip || isIP(e.ip) === 0) return ok(e)
      const loc = locationOf(reader.get(e.ip))
      e.country = loc.country
      e.region = loc.region
      e.city = loc.city
      return ok(e)
    },
  }
}
