// Segment write keys: read from HTTP Basic auth (the key is the user name, the password empty) or the
// body's `writeKey`, and checked against the configured keys, each of which names a site.
import { RequestError } from '../../../../core/errors.ts'

/** What a request's write key means for its events. */
export interface KeyGrant {
  /** The site the key maps to (configured keys only). */
  readonly site: string | undefined
  /** The key to record in props, when no keys are configured (any key is accepted then). */
  readonly recorded: string | null
}

/** The user name of an `Authorization: Basic ...` header, or null when there is none. */
export function basicAuthUser(header: string | undefined): string | null {
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '')
  if (!m) return null
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  const user = colon === -1 ? decoded : decoded.slice(0, colon)
  return user === '' ? null : user
}

function unauthorized(code: string, message: string): RequestError {
  return new RequestError(401, code, message, { 'www-authenticate': 'Basic realm="segment"' })
}

/** The configured write keys (key -> site); an empty map accepts any key, or none. */
export class WriteKeys {
  readonly #sites: ReadonlyMap<string, string>
  constructor(keys: Readonly<Record<string, string>>) {
    this.#sites = new Map(Object.entries(keys))
  }

  /** Whether only configured keys are accepted. */
  get restricted(): boolean {
    return this.#sites.size > 0
  }

  /** Refuses a key that can never pass, before the body is read. */
  precheck(key: string | null): void {
    if (key !== null && this.restricted && !this.#sites.has(key)) throw this.#unknown()
  }

  /** What the key grants; throws RequestError 401 when keys are configured and it is missing or unknown. */
  grant(key: string | null): KeyGrant {
    if (!this.restricted) return { site: undefined, recorded: key }
    if (key === null) {
      throw unauthorized(
        'missing_write_key',
        'send the write key as the HTTP Basic user name (empty password) or as "writeKey" in the body',
      )
    }
    const site = this.#sites.get(key)
    if (site === undefined) throw this.#unknown()
    return { site, recorded: null }
  }

  #unknown(): RequestError {
    return unauthorized('invalid_write_key', 'the write key is not one this collector accepts')
  }
}
