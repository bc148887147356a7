// When generated sessions start: a daily rhythm per country (quiet nights, busy lunch and evening)
// and a weekly one (quieter weekends), over a range of time. `at(q)` maps a quantile q in [0, 1)
// to an instant, so sessions planned in order of their cumulative event count land in time order
// and the traffic fills the range exactly, whatever the number of events asked for.
import { COUNTRIES, type CountrySpec } from './catalog.ts'
import { Weighted } from './random.ts'

const HOUR = 3_600_000

/** Relative traffic by local hour of day (0-23). */
const LOCAL_HOUR = [
  0.22, 0.14, 0.1, 0.08, 0.08, 0.12, 0.25, 0.45, 0.65, 0.8, 0.9, 0.95, 1.0, 0.95, 0.9, 0.88, 0.88, 0.9, 0.95,
  1.0, 1.0, 0.9, 0.65, 0.4,
]
/** Relative traffic by local day of week (0 = Sunday). */
const LOCAL_DAY = [0.72, 1.0, 1.0, 0.98, 0.96, 0.9, 0.7]

function localWeight(utcMs: number, c: CountrySpec): number {
  const local = new Date(utcMs + c.utcOffset * HOUR)
  return LOCAL_HOUR[local.getUTCHours()]! * LOCAL_DAY[local.getUTCDay()]!
}

/** Traffic intensity over [from, to), in hourly buckets. */
export class Timeline {
  private readonly cumulative: Float64Array
  private readonly countryByHour = new Map<number, Weighted<CountrySpec>>()
  private cursor = 0

  constructor(
    readonly from: number,
    readonly to: number,
  ) {
    if (!(to > from)) throw new Error('the time range is empty')
    const buckets = Math.ceil((to - from) / HOUR)
    this.cumulative = new Float64Array(buckets)
    let sum = 0
    for (let i = 0; i < buckets; i++) {
      const start = from + i * HOUR
      const width = Math.min(HOUR, to - start) / HOUR
      sum += this.intensity(start + HOUR / 2) * width
      this.cumulative[i] = sum
    }
  }

  /** Relative traffic at an instant: the countries' shares, each at its local hour and weekday. */
  intensity(t: number): number {
    let s = 0
    for (const c of COUNTRIES) s += c.weight * localWeight(t, c)
    return s
  }

  /**
   * The instant at quantile q of the traffic (0 <= q < 1). Calls with non-decreasing q are O(1)
   * amortised (a cursor walks the buckets); any other order still works, from the start.
   */
  at(q: number): number {
    const total = this.cumulative[this.cumulative.length - 1]!
    const target = Math.min(Math.max(q, 0), 1) * total
    if (this.cursor > 0 && this.cumulative[this.cursor - 1]! > target) this.cursor = 0
    while (this.cursor < this.cumulative.length - 1 && this.cumulative[this.cursor]! <= target) this.cursor++
    const before = this.cursor === 0 ? 0 : this.cumulative[this.cursor - 1]!
    const inBucket = this.cumulative[this.cursor]! - before
    const frac = inBucket > 0 ? (target - before) / inBucket : 0
    const t = this.from + (this.cursor + frac) * HOUR
    return Math.min(t, this.to - 1)
  }

  /** Visitors' countries at an instant: where it is daytime, more of them. */
  countries(t: number): Weighted<CountrySpec> {
    const key = Math.floor(t / HOUR)
    let w = this.countryByHour.get(key % 168)
    if (!w) {
      w = countryMix(key * HOUR + HOUR / 2)
      this.countryByHour.set(key % 168, w)
    }
    return w
  }
}

/** The country mix at one instant. */
export function countryMix(t: number): Weighted<CountrySpec> {
  return new Weighted(
    COUNTRIES,
    COUNTRIES.map((c) => c.weight * localWeight(t, c)),
  )
}
