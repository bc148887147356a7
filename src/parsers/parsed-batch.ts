// Parsed chunks gathered for one durable write: into the log as the records the parse workers
// encoded (one append for events and dead letters), or, for a writer that is not the log (import's
// handoff, tests), as events decoded from those records.
import type { EventWriter } from '../core/component.ts'
import type { DeadLetter } from '../core/event.ts'
import { deadLetterRecord } from '../log/envelope.ts'
import type { AppendRecord } from '../log/log.ts'
import { chunkEventCount, chunkEvents, chunkRecords, type ParsedChunk } from './chunk-parser.ts'

/** Chunks and dead letters waiting for one write. */
export class ParsedBatch {
  readonly #chunks: ParsedChunk[] = []
  readonly #dead: DeadLetter[] = []
  #events = 0

  add(chunk: ParsedChunk, dead: readonly DeadLetter[]): void {
    this.#chunks.push(chunk)
    for (const d of dead) this.#dead.push(d)
    this.#events += chunkEventCount(chunk)
  }

  get events(): number {
    return this.#events
  }

  get dead(): readonly DeadLetter[] {
    return this.#dead
  }

  get empty(): boolean {
    return this.#events === 0 && this.#dead.length === 0
  }

  /** Writes everything durably through `out`. */
  async write(out: EventWriter): Promise<void> {
    if (this.empty) return
    if (out.writeRecords) {
      const records: AppendRecord[] = []
      for (const c of this.#chunks) for (const r of chunkRecords(c)) records.push(r)
      for (const d of this.#dead) records.push(deadLetterRecord(d))
      await out.writeRecords(records)
      return
    }
    const events = this.#chunks.flatMap(chunkEvents)
    await Promise.all([
      events.length > 0 ? out.write(events) : undefined,
      this.#dead.length > 0 ? out.deadLetter(this.#dead) : undefined,
    ])
  }
}
