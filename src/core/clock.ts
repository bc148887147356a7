// Time as a service: production code asks the clock, tests move a manual one.

/** Source of the current time in epoch milliseconds. */
export interface Clock {
  now(): number
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() }

/** A clock that only moves when told to; for deterministic tests. */
export class ManualClock implements Clock {
  #now: number
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start
  }
  now(): number {
    return this.#now
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#now += ms
  }
  /** Sets the clock to an absolute time. */
  set(ms: number): void {
    this.#now = ms
  }
}
