// Per-client-IP rate limit: a token bucket per address, in a bounded map (the oldest addresses are
// forgotten first, so a flood of spoofed sources cannot grow memory without bound).

/** Token bucket settings. */
export interface RateLimitOptions {
  /** Sustained requests per second per address. */
  readonly requestsPerSecond: number
  /** Requests an address may send at once after being idle. */
  readonly burst: number
  /** Most addresses remembered. */
  readonly maxAddresses: number
}

interface Bucket {
  tokens: number
  at: number
}

/** Decides whether a request from an address may pass now. */
export class RateLimiter {
  readonly #o: RateLimitOptions
  readonly #buckets = new Map<string, Bucket>()

  constructor(options: RateLimitOptions) {
    this.#o = options
  }

  /** Takes a token for `ip`; returns 0 when allowed, else the seconds to wait. */
  take(ip: string, now: number): number {
    let b = this.#buckets.get(ip)
    if (b) {
      // Re-insert to keep the map in least-recently-used order.
      this.#buckets.delete(ip)
      b.tokens = Math.min(this.#o.burst, b.tokens + ((now - b.at) / 1000) * this.#o.requestsPerSecond)
      b.at = now
    } else {
      b = { tokens: this.#o.burst, at: now }
      if (this.#buckets.size >= this.#o.maxAddresses) this.#buckets.delete(this.#buckets.keys().next().value!)
    }
    this.#buckets.set(ip, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#o.requestsPerSecond))
  }
}
