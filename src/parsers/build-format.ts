// Picks the parser of a format config, and the keyed visitor hash the formats share.
import { createHmac, randomBytes } from 'node:crypto'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Lru } from '../core/lru.ts'
import { accessLogFormat } from './access-log.ts'
import { csvFormat } from './csv.ts'
import type { FormatConfig } from './format-config.ts'
import { jsonlFormat } from './jsonl.ts'
import type { LineFormat, ParseContext } from './line-parser.ts'
import { regexFormat } from './regex.ts'

/** The parser for `cfg`. */
export function buildFormat(cfg: FormatConfig, ctx: ParseContext): LineFormat {
  switch (cfg.format) {
    case 'combined':
    case 'common':
      return accessLogFormat(cfg, ctx)
    case 'jsonl':
      return jsonlFormat(cfg, ctx)
    case 'csv':
      return csvFormat(cfg, ctx)
    case 'regex':
      return regexFormat(cfg, ctx)
  }
}

/**
 * Visitor ids of log lines: HMAC-SHA256 of IP + user agent with a secret key kept in `keyFile`
 * (created on first use, mode 0600). Unlike the collector's cookieless ids the key does not rotate:
 * historical logs span many days and one visitor must keep one id across them. `file_tail` and
 * `clickflow import` on one data directory share the file, so both give a line the same visitor.
 */
export async function visitorHasher(keyFile: string): Promise<(ip: string, userAgent: string) => string> {
  let key: string
  try {
    key = (await readFile(keyFile, 'utf8')).trim()
  } catch {
    key = randomBytes(32).toString('base64')
    await mkdir(dirname(keyFile), { recursive: true })
    // Two processes creating it at once: link() fails on an existing name, so exactly one key wins
    // whole and everyone rereads it.
    const tmp = `${keyFile}.${process.pid}.tmp`
    await writeFile(tmp, key, { mode: 0o600 })
    await link(tmp, keyFile).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err
    })
    await unlink(tmp)
    key = (await readFile(keyFile, 'utf8')).trim()
  }
  // One HMAC per line costs as much as parsing it; a visitor's lines come together, so a cache hits.
  // Keyed by IP, then the user agents seen from it: joining the two into one key built and hashed a
  // new 150-character string per line.
  const cache = new Lru<string, VisitorIds>(50_000)
  return (ip, userAgent) => {
    const entry = cache.get(ip)
    if (entry !== undefined) {
      for (let i = 0; i < entry.agents.length; i++) if (entry.agents[i] === userAgent) return entry.ids[i]!
    }
    const id = createHmac('sha256', key).update(`${ip}\n${userAgent}`).digest('base64url').slice(0, 22)
    if (entry === undefined) cache.set(ip, { agents: [userAgent], ids: [id] })
    else {
      // Many agents behind one address (a NAT, a proxy): keep the latest few.
      if (entry.agents.length >= MAX_AGENTS_PER_IP) {
        entry.agents.shift()
        entry.ids.shift()
      }
      entry.agents.push(userAgent)
      entry.ids.push(id)
    }
    return id
  }
}

/** The visitor ids of one IP address, by user agent. */
interface VisitorIds {
  readonly agents: string[]
  readonly ids: string[]
}

const MAX_AGENTS_PER_IP = 16
