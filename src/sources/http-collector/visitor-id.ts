// Cookieless visitor ids: a keyed hash of IP + user agent + site with a secret salt that rotates
// every UTC day, so ids cannot be linked across days (Plausible's approach). Yesterday's salt is kept
// so a visit running over midnight keeps its id; older salts are deleted and cannot be recovered.
import { createHmac, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

const DAY_MS = 24 * 3600 * 1000
/** A visitor seen this recently under yesterday's id keeps it after midnight (a session's gap). */
const CONTINUE_MS = 30 * 60 * 1000

interface Salts {
  [day: string]: string
}

/** Derives visitor ids for events that carry none. */
export class CookielessIds {
  readonly #file: string
  #salts: Salts
  /** Recently derived ids and when they were last used, oldest first (bounded). */
  readonly #recent = new Map<string, number>()
  readonly #maxRecent: number

  constructor(file: string, maxRecent = 200_000) {
    this.#file = file
    this.#maxRecent = maxRecent
    try {
      this.#salts = JSON.parse(readFileSync(file, 'utf8')) as Salts
    } catch {
      this.#salts = {}
    }
  }

  #salt(day: number, create: boolean): string | null {
    const key = String(day)
    let salt = this.#salts[key]
    if (!salt && create) {
      salt = randomBytes(32).toString('base64')
      // Keep only today's and yesterday's salts: older ones must be gone for ids to be unlinkable.
      const kept: Salts = { [key]: salt }
      const prev = this.#salts[String(day - 1)]
      if (prev) kept[String(day - 1)] = prev
      this.#salts = kept
      mkdirSync(dirname(this.#file), { recursive: true })
      writeFileSync(`${this.#file}.tmp`, JSON.stringify(kept), { mode: 0o600 })
      renameSync(`${this.#file}.tmp`, this.#file)
    }
    return salt ?? null
  }

  #hash(salt: string, ip: string, userAgent: string, site: string): string {
    return createHmac('sha256', salt).update(`${ip}\n${userAgent}\n${site}`).digest('base64url').slice(0, 22)
  }

  /** The visitor id for a request at `now` (epoch ms). */
  derive(ip: string, userAgent: string, site: string, now: number): string {
    const day = Math.floor(now / DAY_MS)
    const today = this.#hash(this.#salt(day, true)!, ip, userAgent, site)
    let id = today
    if (!this.#recent.has(today)) {
      const prevSalt = this.#salt(day - 1, false)
      if (prevSalt) {
        const yesterday = this.#hash(prevSalt, ip, userAgent, site)
        const seen = this.#recent.get(yesterday)
        if (seen !== undefined && now - seen < CONTINUE_MS) id = yesterday
      }
    }
    this.#recent.delete(id)
    this.#recent.set(id, now)
    if (this.#recent.size > this.#maxRecent) this.#recent.delete(this.#recent.keys().next().value!)
    return id
  }
}
