// What the access-log parser remembers per client address: the user agents seen from it, each with
// its visitor id and bot flag. A line's IP is a short string, cheap to look up; its user agent (100+
// characters) is then only compared with the few seen from that address, never hashed. Keyed by the
// agent instead, every kept line hashed its agent twice (bot flag, visitor id) and built and hashed
// an IP + agent key besides.
import { isbot } from 'isbot'
import { Lru } from '../core/lru.ts'

/** One client: an address and a user agent. */
export interface Client {
  readonly userAgent: string | null
  readonly visitorId: string
  readonly isBot: boolean
}

/** Agents kept per address: a NAT or a proxy puts many behind one, and the latest matter. */
const MAX_AGENTS_PER_IP = 16

/** Clients by IP and user agent, for up to `max` addresses. */
export class ClientCache {
  readonly #byIp: Lru<string, Client[]>
  readonly #visitorOf: (ip: string, userAgent: string) => string
  // isbot runs a long regular expression; a log holds few distinct user agents, so remember them.
  readonly #bots = new Lru<string, boolean>(10_000)

  constructor(visitorOf: (ip: string, userAgent: string) => string, max = 50_000) {
    this.#byIp = new Lru(max)
    this.#visitorOf = visitorOf
  }

  /** The client of `ip` with `userAgent` (null: none logged). */
  get(ip: string, userAgent: string | null): Client {
    let agents = this.#byIp.get(ip)
    if (agents !== undefined) {
      for (let i = 0; i < agents.length; i++) if (agents[i]!.userAgent === userAgent) return agents[i]!
    } else {
      agents = []
      this.#byIp.set(ip, agents)
    }
    const client: Client = {
      userAgent,
      visitorId: this.#visitorOf(ip, userAgent ?? ''),
      isBot: userAgent !== null && this.#isBot(userAgent),
    }
    if (agents.length >= MAX_AGENTS_PER_IP) agents.shift()
    agents.push(client)
    return client
  }

  /** Whether `userAgent` is a bot's (isbot). */
  isBot(userAgent: string | null): boolean {
    return userAgent !== null && this.#isBot(userAgent)
  }

  #isBot(ua: string): boolean {
    let b = this.#bots.get(ua)
    if (b === undefined) {
      b = isbot(ua)
      this.#bots.set(ua, b)
    }
    return b
  }
}
