// Routes other parts add to the admin listener (analytics, live stream, alerts, lake, dashboard).
// Components register theirs while they are built; the listener serves them once it starts.
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Serves one request; throw RequestError for a 4xx, anything else is a 500. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/** One endpoint. A path ending in `/*` matches every path under it (static assets). */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  readonly path: string
  readonly handler: AdminHandler
  /** Served without the admin token (the dashboard's page and assets, never data). */
  readonly public?: boolean
}

/** The routes collected for the admin listener. */
export class AdminRoutes {
  readonly #routes: AdminRoute[] = []
  readonly #closing = new AbortController()

  /**
   * Aborted when the admin listener is about to stop. Long-lived responses (a Server-Sent Events
   * stream) end on it: the listener's stop waits for every request in flight.
   */
  get closing(): AbortSignal {
    return this.#closing.signal
  }

  /** Ends long-lived responses; whoever stops the listener calls this first. */
  close(): void {
    this.#closing.abort()
  }

  /** Adds routes; a method + path registered twice is a programming error. */
  add(...routes: AdminRoute[]): void {
    for (const r of routes) {
      if (this.#routes.some((x) => x.method === r.method && x.path === r.path))
        throw new Error(`admin route ${r.method} ${r.path} is registered twice`)
      this.#routes.push(r)
    }
  }

  /** Everything registered so far. */
  list(): readonly AdminRoute[] {
    return this.#routes
  }
}
