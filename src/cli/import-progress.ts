// The progress line of `clickflow import` on stderr (lines, rate, ETA by bytes) and the summary
// counts it ends with.

/** What an import counted. */
export class ImportTally {
  lines = 0
  imported = 0
  readonly skipped = new Map<string, number>()
  readonly deadLettered = new Map<string, number>()
  /** Files left alone because they were imported before (by identity). */
  readonly alreadyDone: string[] = []

  skip(reason: string, n = 1): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + n)
  }
  dead(reason: string): void {
    this.deadLettered.set(reason, (this.deadLettered.get(reason) ?? 0) + 1)
  }

  /** The summary, as JSON for scripts. */
  toJson(): Record<string, unknown> {
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)
    return {
      lines: this.lines,
      imported: this.imported,
      skipped: sum(this.skipped),
      skipped_by_reason: Object.fromEntries(this.skipped),
      dead_lettered: sum(this.deadLettered),
      dead_lettered_by_reason: Object.fromEntries(this.deadLettered),
      files_already_imported: this.alreadyDone,
    }
  }
}

/** Redraws one stderr line on a terminal (4 times a second); elsewhere (logs) writes one every 2 s. */
export class ProgressLine {
  readonly #start = Date.now()
  #last = Date.now()
  readonly #tty = process.stderr.isTTY === true

  update(file: string, lines: number, doneBytes: number, totalBytes: number, final = false): void {
    const now = Date.now()
    if (!final && now - this.#last < (this.#tty ? 250 : 2000)) return
    this.#last = now
    const secs = Math.max(0.001, (now - this.#start) / 1000)
    const rate = Math.round(lines / secs)
    const fraction = totalBytes > 0 ? doneBytes / totalBytes : 1
    const eta = fraction > 0 ? Math.max(0, Math.round((secs / fraction) * (1 - fraction))) : 0
    const text = `${file}: ${lines} lines, ${rate} lines/s, ${Math.round(fraction * 100)}%, ETA ${eta}s`
    process.stderr.write(this.#tty ? `\r\x1b[K${text}${final ? '\n' : ''}` : `${text}\n`)
  }
}
