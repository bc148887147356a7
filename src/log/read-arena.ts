// Memory a consumer lends the log for its reads. Each read of a batch of records used to allocate
// its own buffer (a page of a segment, ~1.5 MB for 2,500 events): V8 runs a young-generation
// collection whenever 32 MB of fresh buffers accumulate, whatever the semi-space size, and each one
// copied the whole batch being processed, a fifth of the stream processor's time. With an arena the
// same memory is read into batch after batch and never counts as new.
//
// The records a read returns are views of the arena: they stay valid until the consumer calls
// `reset()` and reads into it again. The pipeline alternates two arenas, so the batch it delivers
// and the one it reads ahead never share one.

/** A bump allocator over one reused buffer. */
export class ReadArena {
  #slab: Buffer = Buffer.alloc(0)
  #used = 0

  /** A region of `size` bytes no other view of this arena uses until the next `reset()`. */
  take(size: number): Buffer {
    if (this.#used + size > this.#slab.length) {
      // Earlier views keep the old slab alive until they are dropped; the next round fits.
      this.#slab = Buffer.allocUnsafe(Math.max(size, this.#slab.length * 2, 1 << 20))
      this.#used = 0
    }
    const out = this.#slab.subarray(this.#used, this.#used + size)
    this.#used += size
    return out
  }

  /** Makes the whole arena available again: views taken before now must no longer be read. */
  reset(): void {
    this.#used = 0
  }

  /** Bytes the arena holds. */
  get capacity(): number {
    return this.#slab.length
  }
}
