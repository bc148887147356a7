// A small seeded random source for the traffic generator: the same seed gives the same traffic on
// every machine and Node version (Math.random cannot be seeded). sfc32 passes PractRand to 2^40+
// bytes and costs a few nanoseconds per number, which matters at 10 M events.

/** Seeded pseudo-random numbers and the draws the generator needs. */
export class Random {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    // splitmix32 spreads a small seed (1, 2, 3...) over the four words of state.
    let s = seed >>> 0
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p
  }

  /** One item of a list, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  /** Exponentially distributed with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean
  }

  /** Log-normally distributed: median `median`, spread `sigma` (of the underlying normal). */
  logNormal(median: number, sigma: number): number {
    // Box-Muller; one of the pair is enough here.
    const u = 1 - this.float()
    const v = this.float()
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
  }

  /** A 64-bit random id in base 36 (13 characters or fewer): short, since ids fill most of a stored event. */
  id(): string {
    return `${this.u32().toString(36)}${this.u32().toString(36).padStart(7, '0')}`
  }

  /** A random lower-case hexadecimal string of `n` characters (click ids). */
  hex(n: number): string {
    let s = ''
    while (s.length < n) s += this.u32().toString(16).padStart(8, '0')
    return s.slice(0, n)
  }
}

/** Picks from weighted items in O(log n): build once, draw many times. */
export class Weighted<T> {
  private readonly cumulative: Float64Array
  private readonly total: number

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length)
      throw new Error('Weighted needs as many weights as items, and at least one')
    this.cumulative = new Float64Array(weights.length)
    let sum = 0
    weights.forEach((w, i) => {
      sum += w
      this.cumulative[i] = sum
    })
    this.total = sum
  }

  /** One item, with probability proportional to its weight. */
  draw(rng: Random): T {
    const x = rng.float() * this.total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.cumulative[mid]! > x) hi = mid
      else lo = mid + 1
    }
    return this.items[lo]!
  }
}

/** Zipf-like weights (1/rank^s) for n items: a few popular products and posts, a long tail. */
export function zipfWeights(n: number, s = 1): number[] {
  return Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s)
}
