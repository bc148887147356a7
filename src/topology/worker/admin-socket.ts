// The admin listener's socket in process mode (runtime.processing: process), owned by the
// collector's process so that it outlives a processing child: the port stays open while a crashed
// child restarts, and requests wait for the next child instead of being refused.
//
// Each child asks for the socket when its admin server starts, gets it over the IPC pipe
// (child.send(msg, server)) and accepts on it (http.Server.listen(handle)). This process cannot hold
// a listening socket without accepting on it too (Node has no bind-only or pause-accepting server),
// so it also takes some connections: it hands each one to the ready child (child.send(msg, socket),
// `pauseOnConnect`, so nothing is read here) and keeps its own descriptor until the child says it
// took it, since a child that dies in between (it is killed, and this process learns it only from
// the pipe's close) would take the connection with it unanswered. While no child is ready (between
// a crash and the next child's start, about 1 s of backoff and the boot) this process is the only
// one accepting and holds the connections, unread, up to HOLD_MS, then answers 503 with Retry-After.
import type { ChildProcess } from 'node:child_process'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Socket } from 'node:net'
import { Counter } from 'prom-client'
import { RequestError } from '../../core/errors.ts'
import { listen, listenerUrl } from '../../http/listen.ts'
import { sendError } from '../../http/respond.ts'
import type { Logger } from '../../telemetry/logger.ts'
import type { Metrics } from '../../telemetry/metrics.ts'
import { type AdminMessage, IPC_ADMIN, isAdmin } from './messages.ts'

/** How long a connection accepted while no child is ready waits for one before a 503. */
export const HOLD_MS = 10_000
/** Connections held at most at once; past it one is answered 503 at once (each holds a descriptor). */
const MAX_HELD = 256

interface Held {
  readonly socket: Socket
  readonly timer: NodeJS.Timeout
}

/** A connection handed to a child that has not yet said it took it. */
interface Pending {
  readonly socket: Socket
  /** Accepted while no child was ready (counted once it is handed over or answered). */
  readonly wasHeld: boolean
}

/** The collector process's admin socket, shared with the processing child it starts. */
export class AdminSocket {
  /** The base URL (http://host:port). */
  readonly url: string
  readonly #server: ReturnType<typeof createServer>
  readonly #log: Logger
  readonly #holdMs: number
  readonly #held = new Set<Held>()
  readonly #outcomes: Counter<'outcome'>
  /** Answers a held connection's request with the 503 (never listens: it is given connections). */
  readonly #unavailable = createHttpServer((_req, res) => {
    sendError(
      res,
      new RequestError(
        503,
        'processing_unavailable',
        this.#closed
          ? 'clickflow is stopping'
          : 'the processing child is restarting (see the log); the admin API answers again once it is up',
        { 'retry-after': '1' },
      ),
      { connection: 'close' },
    )
  })
  /** The child that takes connections (it is ready); null while none is. */
  #child: ChildProcess | null = null
  /** Per child, the connections handed to it that it has not confirmed yet, by id. */
  readonly #pending = new Map<ChildProcess, Map<number, Pending>>()
  #nextId = 1
  #closed = false

  private constructor(server: ReturnType<typeof createServer>, url: string, o: AdminSocketOptions) {
    this.#server = server
    this.url = url
    this.#log = o.logger
    this.#holdMs = o.holdMs ?? HOLD_MS
    this.#outcomes = new Counter({
      name: 'clickflow_admin_held_connections_total',
      help: 'Admin connections the collector process accepted while no processing child was ready (process mode), by outcome: handed_over to the next child, or answered_503 when none was ready in time.',
      labelNames: ['outcome'],
      registers: [o.metrics.registry],
    })
    this.#outcomes.inc({ outcome: 'handed_over' }, 0)
    this.#outcomes.inc({ outcome: 'answered_503' }, 0)
    server.on('connection', (socket: Socket) => {
      // A client that goes away while its connection is held or being handed over.
      socket.on('error', () => {})
      this.#receive(socket, false)
    })
  }

  /**
   * Binds host:port; a bind the machine refuses rejects with the `cannot_listen` sentence naming the
   * admin API, as the admin server's own bind does in thread mode.
   */
  static async bind(host: string, port: number, o: AdminSocketOptions): Promise<AdminSocket> {
    const server = createServer({ pauseOnConnect: true })
    const bound = await listen(server, host, port, 'the admin API (api.host, api.port)')
    return new AdminSocket(server, listenerUrl(host, bound), o)
  }

  /** Connections held now, waiting for a ready child. */
  get heldCount(): number {
    return this.#held.size
  }

  /**
   * Answers `child`'s request for the socket (its admin server asks when it starts) and its
   * confirmations of connections handed over.
   */
  share(child: ChildProcess): void {
    const pending = new Map<number, Pending>()
    this.#pending.set(child, pending)
    child.on('message', (raw: unknown) => {
      if (!isAdmin(raw)) return
      const m = raw.m
      if (m.type === 'accepted') {
        const p = pending.get(m.id)
        if (!p) return
        pending.delete(m.id)
        if (p.wasHeld) this.#outcomes.inc({ outcome: 'handed_over' })
        // The child has its own descriptor now; closing this one leaves the connection open.
        p.socket.destroy()
      } else if (m.type === 'listen' && !this.#closed) {
        child.send(adminMessage({ type: 'listener' }), this.#server, (err) => {
          // A child gone before it got the socket: its exit is handled by the supervisor.
          if (err)
            this.#log.warn({ err, child_pid: child.pid }, 'could not hand the admin socket to the child')
        })
      }
    })
  }

  /** From now on `child` (ready) takes the connections this process accepts, held ones first. */
  serveWith(child: ChildProcess): void {
    if (this.#closed) return
    this.#child = child
    for (const h of this.#held) {
      this.#held.delete(h)
      clearTimeout(h.timer)
      this.#handOver(child, h.socket, true)
    }
  }

  /** A connection this process has (accepted, or back from a child): to the ready child, or held. */
  #receive(socket: Socket, wasHeld: boolean): void {
    if (this.#closed) this.#answerUnavailable(socket)
    else if (this.#child) this.#handOver(this.#child, socket, wasHeld)
    else this.#hold(socket)
  }

  /**
   * `child` has exited: connections are held until another one is ready, those handed to it that it
   * never confirmed too.
   */
  release(child: ChildProcess): void {
    if (this.#child === child) this.#child = null
    const pending = this.#pending.get(child)
    this.#pending.delete(child)
    for (const p of pending?.values() ?? []) {
      if (p.socket.destroyed) continue
      this.#receive(p.socket, true)
    }
  }

  /** Stops accepting here; held connections are answered 503. Children still holding the socket keep it. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#child = null
    // Not waited for: once connections were handed to a child, Node's server counts the child's
    // sockets and, when that child has exited, never emits 'close' (Node 20, net.Server with no
    // `_workers` left). This process's descriptor of the socket is closed here all the same.
    this.#server.close()
    for (const h of this.#held) {
      clearTimeout(h.timer)
      this.#answerUnavailable(h.socket)
    }
    this.#held.clear()
  }

  #handOver(child: ChildProcess, socket: Socket, wasHeld: boolean): void {
    const pending = this.#pending.get(child)
    if (!pending) {
      this.#hold(socket)
      return
    }
    const id = this.#nextId++
    pending.set(id, { socket, wasHeld })
    // keepOpen: this process's descriptor stays until the child confirms (see the file's comment).
    child.send(adminMessage({ type: 'connection', id }), socket, { keepOpen: true }, (err) => {
      // Not sent (the child's pipe closed as it died): still this process's connection.
      if (err && pending.delete(id)) {
        if (this.#child === child) this.#child = null
        this.#receive(socket, wasHeld)
      }
    })
  }

  #hold(socket: Socket): void {
    if (this.#held.size >= MAX_HELD) {
      this.#answerUnavailable(socket)
      return
    }
    const h: Held = {
      socket,
      timer: setTimeout(() => {
        this.#held.delete(h)
        this.#answerUnavailable(socket)
      }, this.#holdMs),
    }
    this.#held.add(h)
  }

  #answerUnavailable(socket: Socket): void {
    this.#outcomes.inc({ outcome: 'answered_503' })
    // Read the request before answering: closing a socket with unread bytes sends a reset, which can
    // reach the client before the answer does.
    this.#unavailable.emit('connection', socket)
    socket.resume()
  }
}

/** What an AdminSocket needs besides its address. */
export interface AdminSocketOptions {
  readonly logger: Logger
  readonly metrics: Metrics
  /** See HOLD_MS (tests shorten it). */
  readonly holdMs?: number
}

/** A message of the admin channel. */
function adminMessage(m: AdminMessage): { ch: string; m: AdminMessage } {
  return { ch: IPC_ADMIN, m }
}
