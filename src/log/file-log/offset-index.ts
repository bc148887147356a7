// In-memory index from record offset to byte position, rebuilt by scanning on open.
// 8 bytes per record; the segmented log (issue 4) replaces it with sparse on-disk indexes.

/** Byte positions of records: start(i) is where record i begins, start(count) is the end. */
export class OffsetIndex {
  #positions = new Float64Array(1024)
  #count = 0

  constructor() {
    this.#positions[0] = 0
  }

  get count(): number {
    return this.#count
  }

  /** Byte position where record `offset` starts (offset == count gives the end of data). */
  start(offset: number): number {
    return this.#positions[offset]!
  }

  /** Records that a record of `size` bytes follows the last one. */
  push(size: number): void {
    if (this.#count + 1 >= this.#positions.length) {
      const bigger = new Float64Array(this.#positions.length * 2)
      bigger.set(this.#positions)
      this.#positions = bigger
    }
    this.#positions[this.#count + 1] = this.#positions[this.#count]! + size
    this.#count++
  }
}
