// Binding a server (node:http, or a bare node:net one) and tracking its in-flight requests so shutdown can drain them.
import type { Server } from 'node:http'
import type { Server as NetServer } from 'node:net'
import { ClickflowError } from '../core/errors.ts'

/** Why a bind failed, as a sentence that says what to change (by errno). */
const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'another program (or another clickflow) already listens there; stop it or choose another port',
  EACCES: 'this user may not bind that port (ports below 1024 need privileges); choose a port above 1023',
  EADDRNOTAVAIL: 'no network interface of this machine has that address; use one it has, such as 127.0.0.1',
}

/**
 * Binds `server` to host:port; resolves with the bound port (useful when port is 0). A bind the
 * machine refuses rejects with a ClickflowError (`cannot_listen`) naming `what`, the address and
 * the fix, which the CLI prints as one sentence.
 */
export function listen(server: NetServer, host: string, port: number, what = 'a listener'): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code ? BIND_ERRORS[err.code] : undefined
      reject(
        why
          ? new ClickflowError(
              'cannot_listen',
              `${what} cannot listen on ${listenerUrl(host, port)}: ${why}`,
              {
                cause: err,
              },
            )
          : err,
      )
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const addr = server.address()
      resolve(typeof addr === 'object' && addr ? addr.port : port)
    })
  })
}

/** URL of a listener, with IPv6 hosts bracketed. */
export function listenerUrl(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host
  return `http://${h}:${port}`
}

/** Counts requests in flight so `drained()` can wait for the last one. */
export class InFlight {
  #count = 0
  #waiters: (() => void)[] = []

  /** Marks a request started; call the returned function once it is answered. */
  begin(): () => void {
    this.#count++
    let done = false
    return () => {
      if (done) return
      done = true
      this.#count--
      if (this.#count === 0) for (const w of this.#waiters.splice(0)) w()
    }
  }

  get count(): number {
    return this.#count
  }

  /** Resolves when no request is in flight. */
  drained(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((r) => this.#waiters.push(r))
  }
}

/** Stops accepting connections, closes idle keep-alive ones, and waits for in-flight requests. */
export async function closeServer(server: Server, inFlight: InFlight): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()))
  server.closeIdleConnections()
  await inFlight.drained()
  server.closeIdleConnections()
  await closed
}
