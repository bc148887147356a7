// The client's address: the socket's, or, when the socket is a trusted proxy, the rightmost
// X-Forwarded-For hop that is not itself a trusted proxy (hops to the left of it can be forged).
import type { IncomingMessage } from 'node:http'
import { BlockList, isIPv4, isIPv6 } from 'node:net'

/** Builds a resolver for a list of trusted proxy addresses or CIDR ranges. */
export function clientIpResolver(trusted: readonly string[]): (req: IncomingMessage) => string | null {
  if (trusted.length === 0) return (req) => normalize(req.socket.remoteAddress ?? null)
  const list = new BlockList()
  for (const t of trusted) {
    const [addr, bits] = t.split('/')
    const type = isIPv6(addr!) ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(addr!, type)
    else list.addSubnet(addr!, Number(bits), type)
  }
  const isTrusted = (ip: string) => {
    if (isIPv4(ip)) return list.check(ip, 'ipv4')
    if (isIPv6(ip)) return list.check(ip, 'ipv6')
    return false
  }
  return (req) => {
    const peer = normalize(req.socket.remoteAddress ?? null)
    if (!peer || !isTrusted(peer)) return peer
    const header = req.headers['x-forwarded-for']
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => normalize(h.trim()))
      .filter((h): h is string => !!h)
    for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i]!)) return hops[i]!
    return hops[0] ?? peer
  }
}

/** Strips the IPv4-mapped IPv6 prefix (`::ffff:1.2.3.4`) so IPv4 rules and lookups apply. */
export function normalize(ip: string | null): string | null {
  if (!ip) return null
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip
}
