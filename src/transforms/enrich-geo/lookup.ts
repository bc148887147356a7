// Reading a location out of an MMDB record. Two record shapes are common: MaxMind's GeoIP2/GeoLite2
// ({country: {iso_code}, subdivisions: [{names}], city: {names}}) and ip-location-db's flat one
// ({country_code, state1, city}).

/** Country (ISO 3166-1 alpha-2), region and city of an address, as far as the database knows. */
export interface Location {
  readonly country: string | null
  readonly region: string | null
  readonly city: string | null
}

interface Names {
  names?: Record<string, string>
  iso_code?: string
}

interface Record_ {
  country?: Names
  registered_country?: Names
  subdivisions?: Names[]
  city?: Names | string
  country_code?: string
  state1?: string
}

/** The location in one MMDB record (null fields where the record has none). */
export function locationOf(record: unknown): Location {
  if (typeof record !== 'object' || record === null) return { country: null, region: null, city: null }
  const r = record as Record_
  const country = r.country?.iso_code ?? r.country_code ?? r.registered_country?.iso_code ?? null
  const sub = r.subdivisions?.[0]
  const region = sub?.names?.en ?? sub?.iso_code ?? r.state1 ?? null
  const city = typeof r.city === 'string' ? r.city : (r.city?.names?.en ?? null)
  return { country: country ? country.toUpperCase() : null, region: region || null, city: city || null }
}
