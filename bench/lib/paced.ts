// Paced appends for the ack-latency measurement of `npm run bench:log`: `rate` appends per second,
// issued every millisecond for `seconds`, each timed from its issue to its acknowledgement. The same
// pacing drives the log and the baseline, so their percentiles compare.

/** Latencies in ms, sorted, and the rate achieved. */
export interface PacedResult {
  readonly latencies: readonly number[]
  readonly achieved: number
}

/** Issues `append(i)` at `rate` per second for `seconds`. */
export async function paced(
  append: (i: number) => Promise<void>,
  rate: number,
  seconds: number,
): Promise<PacedResult> {
  const latencies: number[] = []
  const pending: Promise<void>[] = []
  const total = rate * seconds
  const t0 = process.hrtime.bigint()
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(elapsed() * rate))
    for (; sent < due; sent++) {
      const start = process.hrtime.bigint()
      pending.push(
        append(sent).then(() => {
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6)
        }),
      )
    }
    await new Promise((r) => setTimeout(r, 1))
  }
  await Promise.all(pending)
  const achieved = sent / elapsed()
  latencies.sort((a, b) => a - b)
  return { latencies, achieved }
}

/** The q-quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}
