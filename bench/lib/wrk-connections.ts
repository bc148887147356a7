// How many TCP connections a local server holds open right now, from /proc/net/tcp{,6}: the check
// that wrk really keeps its keep-alive connections (a server that closed them would make wrk
// reconnect, and the bench would measure connection setup instead).
import { readFileSync } from 'node:fs'

/** ESTABLISHED TCP connections whose local port is `port` (the server's side of each connection). */
export function establishedTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  let n = 0
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      // "  sl  local_address rem_address   st ...": local is ADDR:PORT in hex, st 01 is ESTABLISHED.
      const f = line.trim().split(/\s+/)
      if (f.length > 3 && f[1]!.endsWith(`:${hexPort}`) && f[3] === '01') n++
    }
  }
  return n
}
