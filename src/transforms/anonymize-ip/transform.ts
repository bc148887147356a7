// Anonymises the client address before storage: place it after every transform that needs the
// full address (enrich_geo, cookieless ids are derived in the collector before the log).
import { isIPv4, isIPv6 } from 'node:net'
import type { Transform } from '../../core/component.ts'
import type { ClickEvent } from '../../core/event.ts'
import { Lru } from '../../core/lru.ts'
import { pass } from '../../core/step-result.ts'
import type { AnonymizeIpConfig } from './config.ts'

/** Expands an IPv6 address into its 8 groups of 16 bits (null when it is not valid IPv6). */
function ipv6Groups(ip: string): number[] | null {
  if (!isIPv6(ip)) return null
  let text = ip
  let tail: number[] = []
  // An embedded IPv4 suffix (::ffff:1.2.3.4) becomes its two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const o = v4[1]!.split('.').map(Number)
    tail = [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!]
    text = text.slice(0, -v4[1]!.length).replace(/:$/, ':0').replace(/::0$/, '::')
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1)
  }
  const [head, rest] = text.split('::') as [string, string | undefined]
  const h = head
    ? head
        .split(':')
        .filter(Boolean)
        .map((g) => Number.parseInt(g, 16))
    : []
  const r = rest
    ? rest
        .split(':')
        .filter(Boolean)
        .map((g) => Number.parseInt(g, 16))
    : []
  const fill = 8 - tail.length - h.length - r.length
  if (rest === undefined && fill !== 0) return null
  return [...h, ...Array(Math.max(0, fill)).fill(0), ...r, ...tail]
}

/** The address with its last IPv4 octet or last 80 IPv6 bits set to zero; unchanged if not an IP. */
export function truncateIp(ip: string): string {
  if (isIPv4(ip)) return ip.replace(/\.\d+$/, '.0')
  const g = ipv6Groups(ip)
  if (!g) return ip
  // Keep the first 48 bits (3 groups): the network, not the host.
  return `${g
    .slice(0, 3)
    .map((x) => x.toString(16))
    .join(':')}::`
}

/** Builds the transform. */
export function createAnonymizeIp(cfg: AnonymizeIpConfig): Transform {
  // A visitor's events come from one address: its truncation is remembered, not recomputed (two
  // regular expressions and a replace per event).
  const recent = new Lru<string, string>(10_000)
  return {
    apply(e: ClickEvent) {
      if (e.ip === null || cfg.mode === 'keep') return pass()
      if (cfg.mode === 'drop') e.ip = null
      else {
        let cut = recent.get(e.ip)
        if (cut === undefined) {
          cut = truncateIp(e.ip)
          recent.set(e.ip, cut)
        }
        e.ip = cut
      }
      return pass()
    },
  }
}
